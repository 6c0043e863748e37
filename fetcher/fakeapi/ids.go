package fakeapi

// IDs are the ids of items, in their order: what tests and the benchmark
// read out of a workspace's snapshot to pick what to change or check.
func IDs[T, ID any](items []T, id func(T) ID) []ID {
	out := make([]ID, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}
