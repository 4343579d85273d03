//! Philox4x32-10 (Salmon et al., SC 2011), the counter-based generator behind TF's
//! stateful random ops, with TF's seeding (`PhiloxRandom(seed, seed2)`), skipping and
//! single-sample adapter, so equal seeds give TF's streams.

// Round multipliers and key increments from the paper (TF's `kPhilox*` constants).
/// Multiplier of counter word 0.
const M0: u32 = 0xD251_1F53;
/// Multiplier of counter word 2.
const M1: u32 = 0xCD9E_8D57;
/// Increment of key word 0 between rounds.
const W0: u32 = 0x9E37_79B9;
/// Increment of key word 1 between rounds.
const W1: u32 = 0xBB67_AE85;

/// One Philox4x32-10 stream: a 128-bit counter under a 64-bit key. Each call of
/// [`Philox::next`] returns four u32s and steps the counter by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Philox {
    counter: [u32; 4],
    key: [u32; 2],
}

impl Philox {
    /// TF's `PhiloxRandom(seed_lo, seed_hi)`: the key from `seed_lo`, the counter's high
    /// half from `seed_hi`.
    pub(crate) fn new(seed_lo: u64, seed_hi: u64) -> Philox {
        Philox {
            counter: [0, 0, seed_hi as u32, (seed_hi >> 32) as u32],
            key: [seed_lo as u32, (seed_lo >> 32) as u32],
        }
    }

    /// A stream at an explicit counter and key (for known-answer tests).
    #[cfg(test)]
    pub(crate) fn from_parts(counter: [u32; 4], key: [u32; 2]) -> Philox {
        Philox { counter, key }
    }

    /// Skips `count` 128-bit samples: adds `count` to the counter.
    pub(crate) fn skip(&mut self, count: u64) {
        let lo = count as u32;
        let mut hi = (count >> 32) as u32;
        let (c0, carry) = self.counter[0].overflowing_add(lo);
        self.counter[0] = c0;
        if carry {
            hi = hi.wrapping_add(1);
        }
        let (c1, carry) = self.counter[1].overflowing_add(hi);
        self.counter[1] = c1;
        // Like TF, a carry that wraps `hi` to 0 is dropped (counts near 2^64 only).
        if carry {
            self.bump_high();
        }
    }

    /// Carries into the counter's high half.
    fn bump_high(&mut self) {
        self.counter[2] = self.counter[2].wrapping_add(1);
        if self.counter[2] == 0 {
            self.counter[3] = self.counter[3].wrapping_add(1);
        }
    }

    /// Steps the counter by one (TF's `SkipOne`).
    #[inline(always)]
    fn step(&mut self) {
        self.counter[0] = self.counter[0].wrapping_add(1);
        if self.counter[0] == 0 {
            self.counter[1] = self.counter[1].wrapping_add(1);
            if self.counter[1] == 0 {
                self.bump_high();
            }
        }
    }

    /// The next four u32s.
    pub(crate) fn next(&mut self) -> [u32; 4] {
        let mut c = self.counter;
        let mut k = self.key;
        for round in 0..10 {
            if round > 0 {
                k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
            }
            let p0 = u64::from(M0) * u64::from(c[0]);
            let p1 = u64::from(M1) * u64::from(c[2]);
            c = [
                (p1 >> 32) as u32 ^ c[1] ^ k[0],
                p1 as u32,
                (p0 >> 32) as u32 ^ c[3] ^ k[1],
                p0 as u32,
            ];
        }
        self.step();
        c
    }
}

/// TF's `SingleSampleAdapter`: hands out the u32s of successive [`Philox::next`] calls
/// one at a time.
pub(crate) struct SingleSample<'a> {
    gen: &'a mut Philox,
    buf: [u32; 4],
    used: usize,
}

impl<'a> SingleSample<'a> {
    /// An adapter that draws its first block on first use.
    pub(crate) fn new(gen: &'a mut Philox) -> SingleSample<'a> {
        SingleSample {
            gen,
            buf: [0; 4],
            used: 4,
        }
    }

    /// The next u32.
    pub(crate) fn next(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = self.gen.next();
            self.used = 0;
        }
        let v = self.buf[self.used];
        self.used += 1;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random123_known_answers() {
        // Known-answer vectors of Random123's kat_vectors for philox4x32_10.
        let cases = [
            (
                [0u32; 4],
                [0u32; 2],
                [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
            ),
            (
                [u32::MAX; 4],
                [u32::MAX; 2],
                [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
            ),
            (
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0],
                [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
            ),
        ];
        for (counter, key, want) in cases {
            assert_eq!(Philox::from_parts(counter, key).next(), want);
        }
    }

    #[test]
    fn skip_matches_repeated_next() {
        let mut a = Philox::new(42, 7);
        let mut b = a;
        for _ in 0..5 {
            a.next();
        }
        b.skip(5);
        assert_eq!(a.next(), b.next());
        let mut c = Philox::from_parts([u32::MAX, u32::MAX, 0, 0], [1, 2]);
        c.skip(1);
        assert_eq!(c, Philox::from_parts([0, 0, 1, 0], [1, 2]));
        let mut d = Philox::new(1, 2);
        d.skip(3 << 32);
        assert_eq!(d.counter, [0, 3, 2, 0]);
    }

    #[test]
    fn single_sample_spreads_blocks() {
        let mut g = Philox::new(3, 4);
        let mut h = g;
        let block = h.next();
        let mut s = SingleSample::new(&mut g);
        let got: Vec<u32> = (0..5).map(|_| s.next()).collect();
        assert_eq!(&got[..4], &block);
        assert_eq!(got[4], h.next()[0]);
    }
}
