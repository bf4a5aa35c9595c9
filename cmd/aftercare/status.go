package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// statusLine is stderr with a progress line at the bottom when stderr is
// a terminal: log records are written above it, and the line is redrawn.
// When stderr is not a terminal it is a plain pass-through.
type statusLine struct {
	mu     sync.Mutex
	w      io.Writer
	active bool
	line   string
}

func newStatusLine(w io.Writer, want bool) *statusLine {
	s := &statusLine{w: w}
	if f, ok := w.(*os.File); ok && want {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			s.active = true
		}
	}
	return s
}

// Write writes a log record above the progress line.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active && s.line != "" {
		fmt.Fprint(s.w, "\r\033[K")
	}
	n, err := s.w.Write(p)
	if s.active && s.line != "" {
		fmt.Fprint(s.w, s.line)
	}
	return n, err
}

// Set redraws the progress line.
func (s *statusLine) Set(done, total int, rows int64, elapsed time.Duration) {
	if !s.active {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line = fmt.Sprintf("[%d/%d steps] %s rows  %s", done, total, groupDigits(rows), elapsed.Round(100*time.Millisecond))
	fmt.Fprint(s.w, "\r\033[K"+s.line)
}

// Done clears the progress line.
func (s *statusLine) Done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active && s.line != "" {
		fmt.Fprint(s.w, "\r\033[K")
		s.line = ""
	}
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
