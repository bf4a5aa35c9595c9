// Package action holds the support-action step types: action.plan turns
// segments into a plan with one row per customer and action (stable
// action ids, rendered messages, due times, caps and suppression), and
// action.deliver sends a plan to files or an HTTP endpoint, keeping a
// delivery ledger so that a rerun never sends an action twice.
package action
