package session

// javaRandom reproduces java.util.Random bit for bit: a 48-bit linear congruential generator
// with the constants and output rules the JDK documents (Random.setSeed, next, nextInt,
// nextBytes). ZooKeeper derives session passwords from it, so it must not drift.
type javaRandom struct {
	seed int64
}

const (
	javaRandMultiplier = 0x5DEECE66D
	javaRandAddend     = 0xB
	javaRandMask       = (int64(1) << 48) - 1
)

// newJavaRandom is new java.util.Random(seed): the seed is scrambled with the multiplier.
func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaRandMultiplier) & javaRandMask}
}

// next advances the state and returns its top `bits` bits as a signed 32-bit value, like
// Random.next(bits): the 48-bit state shifted right by 48-bits, then narrowed to int.
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaRandMultiplier + javaRandAddend) & javaRandMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextInt is Random.nextInt(): 32 uniformly distributed bits.
func (r *javaRandom) nextInt() int32 { return r.next(32) }

// nextIntN is Random.nextInt(bound) for bound > 0, including the JDK's power-of-two shortcut
// and its rejection loop that removes modulo bias.
func (r *javaRandom) nextIntN(bound int32) int32 {
	if bound <= 0 {
		panic("session: javaRandom.nextIntN bound must be positive")
	}
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	// Java relies on int overflow here: u - v + m < 0 detects a draw from the biased tail.
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 {
			return v
		}
	}
}

// nextBytes is Random.nextBytes: each nextInt() fills up to four bytes, least significant
// byte first.
func (r *javaRandom) nextBytes(b []byte) {
	for i := 0; i < len(b); {
		rnd := r.nextInt()
		for n := min(len(b)-i, 4); n > 0; n-- {
			b[i] = byte(rnd)
			i++
			rnd >>= 8
		}
	}
}
