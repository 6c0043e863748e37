package db

// SilentPings is silentPings, for the tests.
const SilentPings = silentPings
