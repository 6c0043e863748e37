// Package config assembles syncer's configuration from flags, then the
// environment, then an optional YAML file (earlier wins), and validates it
// before anything starts, so that a mistake costs one clear line at start-up
// rather than a failed sync later.
package config
