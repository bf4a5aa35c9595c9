package workflow

import "strings"

// Suggest returns the candidate closest to name by edit distance, or ""
// when none is close enough to be a plausible misspelling. It is what
// every "did you mean" in a diagnostic uses.
func Suggest(name string, candidates []string) string {
	best, bestD := "", -1
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(lname, strings.ToLower(c))
		if bestD < 0 || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	limit := max(len(name), len(best))/3 + 1
	if bestD > limit {
		// A prefix or suffix match still counts: "tenure_m" → "tenure_months".
		lb := strings.ToLower(best)
		if len(lname) >= 3 && (strings.HasPrefix(lb, lname) || strings.HasPrefix(lname, lb)) {
			return best
		}
		return ""
	}
	return best
}

// DidYouMean formats Suggest's answer as a diagnostic suffix: " (did you
// mean x?)", or "" when nothing is close.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}

// editDistance is the optimal-string-alignment distance (Levenshtein with
// adjacent transpositions) between a and b, over bytes.
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
