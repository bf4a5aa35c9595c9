package synth

import (
	"errors"
	"fmt"
	"math"
)

// TicketCategories returns the support ticket categories, in the order of
// the fields of [TicketMix].
func TicketCategories() []string {
	return []string{"delivery", "billing", "product_question", "return", "technical"}
}

// TicketMix weighs the categories of the tickets a customer type opens
// (relative weights, normalised by their sum).
type TicketMix struct {
	Delivery, Billing, ProductQuestion, Return, Technical float64
}

func (m TicketMix) weights() [5]float64 {
	return [5]float64{m.Delivery, m.Billing, m.ProductQuestion, m.Return, m.Technical}
}

// CustomerType describes one latent customer type of the [Support]
// scenario. Times are in days, rates per year.
//
// A customer of the type signs up at a uniform time in [SignupFrom,
// SignupTo) (fractions of the period from Start to End) and orders for the
// first time an exponential time (mean one day) later. While active, the
// customer orders as a Poisson process whose rate is OrdersPerYear times a
// Gamma(4, 4) individual factor (mean 1, coefficient of variation 0.5). The
// customer stops ordering after an exponential lifetime of mean ActiveDays
// after signup (never when ActiveDays is 0).
//
// An order has 1 + Poisson(ItemsMean − 1) items at a lognormal price per
// item (median ItemPrice, log-scale deviation PriceSigma) and is returned
// with probability ReturnProb. Each order leads to Poisson(TicketsPerOrder)
// tickets with categories drawn from Tickets, opened an exponential time
// (mean 3 days) after the order; a returned order also leads to a "return"
// ticket with probability [SupportOptions].ReturnTicketProb (mean 5 days
// after the order). Resolution takes a lognormal time (median
// ResolutionHours, log-scale deviation ResolutionSigma); satisfaction is
// round(Satisfaction + N(0, 0.8²)), one point lower when resolution took
// more than 48 hours, clamped to 1..5.
type CustomerType struct {
	// Name labels the type in the latent_type column.
	Name string
	// Share is the relative share of customers of this type.
	Share float64
	// SignupFrom and SignupTo bound the signup time, as fractions of the
	// period (0 ≤ SignupFrom < SignupTo ≤ 1).
	SignupFrom, SignupTo float64
	// OrdersPerYear is the mean order rate while active.
	OrdersPerYear float64
	// ActiveDays is the mean active lifetime after signup; 0 means the
	// customer stays active until End.
	ActiveDays float64
	// ItemsMean is the mean number of items per order (at least 1).
	ItemsMean float64
	// ItemPrice is the median price of an item.
	ItemPrice float64
	// PriceSigma is the log-scale standard deviation of the item price.
	PriceSigma float64
	// ReturnProb is the probability that an order is returned.
	ReturnProb float64
	// TicketsPerOrder is the mean number of tickets an order leads to,
	// besides the return tickets of returned orders.
	TicketsPerOrder float64
	// Tickets weighs the categories of those tickets.
	Tickets TicketMix
	// ResolutionHours is the median time to resolve a ticket.
	ResolutionHours float64
	// ResolutionSigma is the log-scale standard deviation of that time.
	ResolutionSigma float64
	// Satisfaction is the mean satisfaction score (1 to 5) of resolved
	// tickets resolved within 48 hours.
	Satisfaction float64
}

// DefaultCustomerTypes returns the five customer types of the default
// support scenario:
//
//   - loyal_high_value (15%): early signups, ~10 orders a year, large
//     baskets, few tickets, fast resolution, very satisfied.
//   - bargain_one_timer (30%): cheap single-item orders, lifetime of about
//     45 days, so most order once.
//   - struggling_new (15%): signed up in the last weeks of the period,
//     more than one ticket per order (technical, billing, delivery), slow
//     resolution, unhappy.
//   - lapsing_regular (25%): early signups ordering ~8 times a year for an
//     average of 240 days, then silent: high recency at the end.
//   - serial_returner (15%): large baskets, 45% of orders returned, many
//     return tickets.
func DefaultCustomerTypes() []CustomerType {
	return []CustomerType{
		{
			Name: "loyal_high_value", Share: 0.15, SignupFrom: 0, SignupTo: 0.5,
			OrdersPerYear: 10, ActiveDays: 0, ItemsMean: 2.5, ItemPrice: 45, PriceSigma: 0.4,
			ReturnProb: 0.04, TicketsPerOrder: 0.08,
			Tickets:         TicketMix{Delivery: 0.3, Billing: 0.1, ProductQuestion: 0.45, Return: 0.05, Technical: 0.1},
			ResolutionHours: 3, ResolutionSigma: 0.6, Satisfaction: 4.5,
		},
		{
			Name: "bargain_one_timer", Share: 0.30, SignupFrom: 0, SignupTo: 0.95,
			OrdersPerYear: 2, ActiveDays: 45, ItemsMean: 1.2, ItemPrice: 18, PriceSigma: 0.35,
			ReturnProb: 0.06, TicketsPerOrder: 0.05,
			Tickets:         TicketMix{Delivery: 0.5, Billing: 0.2, ProductQuestion: 0.2, Return: 0.05, Technical: 0.05},
			ResolutionHours: 8, ResolutionSigma: 0.8, Satisfaction: 3.6,
		},
		{
			Name: "struggling_new", Share: 0.15, SignupFrom: 0.85, SignupTo: 0.98,
			OrdersPerYear: 8, ActiveDays: 0, ItemsMean: 1.5, ItemPrice: 35, PriceSigma: 0.5,
			ReturnProb: 0.12, TicketsPerOrder: 1.3,
			Tickets:         TicketMix{Delivery: 0.25, Billing: 0.25, ProductQuestion: 0.1, Return: 0.05, Technical: 0.35},
			ResolutionHours: 30, ResolutionSigma: 0.9, Satisfaction: 2.2,
		},
		{
			Name: "lapsing_regular", Share: 0.25, SignupFrom: 0, SignupTo: 0.35,
			OrdersPerYear: 8, ActiveDays: 240, ItemsMean: 2, ItemPrice: 30, PriceSigma: 0.4,
			ReturnProb: 0.05, TicketsPerOrder: 0.15,
			Tickets:         TicketMix{Delivery: 0.35, Billing: 0.2, ProductQuestion: 0.2, Return: 0.1, Technical: 0.15},
			ResolutionHours: 12, ResolutionSigma: 0.8, Satisfaction: 3.0,
		},
		{
			Name: "serial_returner", Share: 0.15, SignupFrom: 0, SignupTo: 0.8,
			OrdersPerYear: 6, ActiveDays: 0, ItemsMean: 3.5, ItemPrice: 40, PriceSigma: 0.5,
			ReturnProb: 0.45, TicketsPerOrder: 0.2,
			Tickets:         TicketMix{Delivery: 0.2, Billing: 0.15, ProductQuestion: 0.15, Return: 0.4, Technical: 0.1},
			ResolutionHours: 10, ResolutionSigma: 0.7, Satisfaction: 3.4,
		},
	}
}

// validate reports every problem with the customer type.
func (c CustomerType) validate() []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("customer type %q: "+format, append([]any{c.Name}, args...)...))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Name == "" {
		errs = append(errs, errors.New("customer type has no name"))
	}
	if !(c.Share > 0) || !finite(c.Share) {
		bad("share must be positive, got %g", c.Share)
	}
	if !(c.SignupFrom >= 0 && c.SignupFrom < c.SignupTo && c.SignupTo <= 1) {
		bad("signup window must satisfy 0 <= from < to <= 1, got [%g, %g)", c.SignupFrom, c.SignupTo)
	}
	if !(c.OrdersPerYear > 0) || !finite(c.OrdersPerYear) {
		bad("orders per year must be positive, got %g", c.OrdersPerYear)
	}
	if !(c.ActiveDays >= 0) || !finite(c.ActiveDays) {
		bad("active days must be 0 or positive, got %g", c.ActiveDays)
	}
	if !(c.ItemsMean >= 1) || !finite(c.ItemsMean) {
		bad("items mean must be at least 1, got %g", c.ItemsMean)
	}
	if !(c.ItemPrice > 0) || !finite(c.ItemPrice) {
		bad("item price must be positive, got %g", c.ItemPrice)
	}
	if !(c.PriceSigma >= 0) || !finite(c.PriceSigma) {
		bad("price sigma must be 0 or positive, got %g", c.PriceSigma)
	}
	if !(c.ReturnProb >= 0 && c.ReturnProb <= 1) {
		bad("return probability must be in [0, 1], got %g", c.ReturnProb)
	}
	if !(c.TicketsPerOrder >= 0) || !finite(c.TicketsPerOrder) {
		bad("tickets per order must be 0 or positive, got %g", c.TicketsPerOrder)
	}
	sum := 0.0
	for i, w := range c.Tickets.weights() {
		if !(w >= 0) || !finite(w) {
			bad("ticket weight of %s must be 0 or positive, got %g", TicketCategories()[i], w)
		}
		sum += w
	}
	if c.TicketsPerOrder > 0 && !(sum > 0) {
		bad("ticket category weights are all zero")
	}
	if !(c.ResolutionHours > 0) || !finite(c.ResolutionHours) {
		bad("resolution hours must be positive, got %g", c.ResolutionHours)
	}
	if !(c.ResolutionSigma >= 0) || !finite(c.ResolutionSigma) {
		bad("resolution sigma must be 0 or positive, got %g", c.ResolutionSigma)
	}
	if !(c.Satisfaction >= 1 && c.Satisfaction <= 5) {
		bad("satisfaction must be in [1, 5], got %g", c.Satisfaction)
	}
	return errs
}
