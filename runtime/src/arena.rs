//! The session's buffers: one pool of reusable buffers per dtype, indexed by the
//! [`Slot`]s the plans assign.

use crate::plan::slots::{dtype_index, Slot, DTYPES};
use crate::tensor::{Buffer, Data};
use staticflow_ir::DType;

/// Buffers by slot. Each keeps the largest capacity any value put in it needed, so
/// once every plan has run at its largest batch, runs allocate nothing.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    pools: [Vec<Buffer>; DTYPES],
}

impl Arena {
    /// Makes room for `counts` slots of each dtype (in [`DType::ALL`] order).
    pub(crate) fn reserve(&mut self, counts: &[u32; DTYPES]) {
        for ((pool, &count), dtype) in self.pools.iter_mut().zip(counts).zip(DType::ALL) {
            if pool.len() < count as usize {
                pool.resize_with(count as usize, || Buffer::empty(dtype));
            }
        }
    }

    /// The buffer of `slot`.
    pub(crate) fn get(&self, slot: Slot) -> Option<&Buffer> {
        self.pools[dtype_index(slot.dtype)].get(slot.index as usize)
    }

    /// Puts a buffer taken out of `slot` (for a kernel to write while others are read)
    /// back.
    pub(crate) fn put(&mut self, slot: Slot, buffer: Buffer) {
        if let Some(b) = self.pools[dtype_index(slot.dtype)].get_mut(slot.index as usize) {
            *b = buffer;
        }
    }

    /// The mutable buffer of `slot`.
    pub(crate) fn get_mut(&mut self, slot: Slot) -> Option<&mut Buffer> {
        self.pools[dtype_index(slot.dtype)].get_mut(slot.index as usize)
    }

    /// The bytes of element storage the buffers hold (capacities, not lengths).
    pub(crate) fn bytes(&self) -> usize {
        self.pools
            .iter()
            .flatten()
            .map(|b| capacity_bytes(&b.data))
            .sum()
    }
}

/// The bytes `data` has allocated.
fn capacity_bytes(data: &Data) -> usize {
    fn bytes<T>(v: &Vec<T>) -> usize {
        v.capacity() * std::mem::size_of::<T>()
    }
    match data {
        Data::F32(v) => bytes(v),
        Data::F64(v) => bytes(v),
        Data::I32(v) => bytes(v),
        Data::I64(v) => bytes(v),
        Data::Bool(v) => bytes(v),
    }
}
