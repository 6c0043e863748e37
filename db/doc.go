// Package db owns the mirror's PostgreSQL schema: it applies the migrations
// (goose for the mirror, River's for the queue) and writes normalized records
// page by page through the sqlc queries in package dbq.
package db
