package fakeapi

// Mix is a 64-bit finalizer (splitmix64): a bijection that scatters its
// input, so that a fake derives per-object choices from an id and needs no
// stored random state.
func Mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Hash is FNV-1a of s, with seed folded into the offset basis so that one
// string hashes differently per seed (seed 0 is plain FNV-1a).
func Hash(seed uint64, s string) uint64 {
	h := seed ^ 0xcbf29ce484222325
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001b3
	}
	return h
}
