// Package record holds the normalized records that every fetcher produces and
// the store writes: one type per mirrored table, free of any vendor's wire
// format. Field tags name the table columns; empty strings and zero times are
// stored as NULL.
package record
