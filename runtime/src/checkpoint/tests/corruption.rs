//! Damaged files: every single-byte flip and every truncation of the TF fixture, a
//! missing data file, and hand-made files that are well-formed SSTables (valid
//! checksums) but break one bundle rule each.

use std::path::{Path, PathBuf};

use prost::Message;

use super::util::{copy_fixture, fixture_dir, fixture_prefix, read_all, TempDir};
use crate::checkpoint::bundle::{
    BundleEntryProto, BundleHeaderProto, Dim, TensorShapeProto, TensorSliceProto, VersionDef,
};
use crate::checkpoint::coding::mask;
use crate::checkpoint::sstable::{read_table, TableBuilder, FOOTER_LEN};
use crate::checkpoint::{CheckpointError, CheckpointReader};
use crate::tensor::Data;

const INDEX: &str = "model.ckpt.index";
const DATA: &str = "model.ckpt.data-00000-of-00001";

fn fixture_file(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap()
}

#[test]
fn every_index_byte_flip_is_an_error_or_harmless() {
    let dir = TempDir::in_memory("flip-index");
    copy_fixture(dir.path());
    let prefix = dir.path().join("model.ckpt");
    let original = fixture_file(INDEX);
    let expected = read_all(&fixture_prefix()).unwrap();
    // The footer's two handles take 6 bytes here; the zero padding after them, up to
    // the magic number, is not read by TF either, so flipping it changes nothing. A flip
    // of the last handle byte's continuation bit gives an overlong varint of the same
    // value (`8f 00` = 15), which TF accepts too: only the footer's first 40 bytes may
    // hold harmless flips.
    let footer_handles = original.len() - FOOTER_LEN..original.len() - 8;
    let padding = original.len() - FOOTER_LEN + 6..original.len() - 8;
    let (mut errors, mut harmless) = (0, 0);
    for i in 0..original.len() {
        for flip in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
            let mut bytes = original.clone();
            bytes[i] ^= flip;
            std::fs::write(dir.path().join(INDEX), &bytes).unwrap();
            match read_all(&prefix) {
                Err(_) => {
                    assert!(
                        !padding.contains(&i),
                        "padding byte {i} flip {flip:#x} rejected"
                    );
                    errors += 1;
                }
                Ok(values) => {
                    assert!(
                        footer_handles.contains(&i),
                        "byte {i} flip {flip:#x} went unnoticed"
                    );
                    assert_eq!(values, expected);
                    harmless += 1;
                }
            }
        }
    }
    assert!(
        harmless >= padding.len() * 9 && harmless <= padding.len() * 9 + 2,
        "{harmless}"
    );
    assert_eq!(errors + harmless, original.len() * 9);
}

#[test]
fn every_data_byte_flip_fails_its_tensors_checksum() {
    let dir = TempDir::in_memory("flip-data");
    copy_fixture(dir.path());
    let prefix = dir.path().join("model.ckpt");
    let original = fixture_file(DATA);
    for i in 0..original.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bytes = original.clone();
            bytes[i] ^= flip;
            std::fs::write(dir.path().join(DATA), &bytes).unwrap();
            let err = read_all(&prefix).unwrap_err();
            match &err {
                CheckpointError::TensorChecksum { path, .. } => {
                    assert_eq!(path, &dir.path().join(DATA))
                }
                other => panic!("byte {i}: {other}"),
            }
            assert!(err.to_string().contains("Checksum does not match"), "{err}");
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let dir = TempDir::in_memory("truncate");
    copy_fixture(dir.path());
    let prefix = dir.path().join("model.ckpt");
    for name in [INDEX, DATA] {
        let original = fixture_file(name);
        for len in 0..original.len() {
            std::fs::write(dir.path().join(name), &original[..len]).unwrap();
            let err = CheckpointReader::open(&prefix).unwrap_err();
            if name == DATA {
                assert!(
                    matches!(err, CheckpointError::Truncated { .. }),
                    "{len}: {err}"
                );
            }
            assert_eq!(err.path(), dir.path().join(name), "{len}: {err}");
        }
        std::fs::write(dir.path().join(name), &original).unwrap();
    }
    assert!(read_all(&prefix).is_ok());
}

#[test]
fn a_missing_data_file_is_an_io_error_naming_it() {
    let dir = TempDir::new("missing-data");
    copy_fixture(dir.path());
    std::fs::remove_file(dir.path().join(DATA)).unwrap();
    let err = CheckpointReader::open(dir.path().join("model.ckpt")).unwrap_err();
    match &err {
        CheckpointError::Io { path, source } => {
            assert_eq!(path, &dir.path().join(DATA));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other}"),
    }
    let err = CheckpointReader::open(dir.path().join("nothing")).unwrap_err();
    assert_eq!(err.path(), dir.path().join("nothing.index"));
}

/// The fixture's index entries, decoded: the header, then `(name, entry)` in order.
fn fixture_entries() -> (BundleHeaderProto, Vec<(Vec<u8>, BundleEntryProto)>) {
    let index = fixture_file(INDEX);
    let table = read_table(&index, Path::new(INDEX)).unwrap();
    let header = BundleHeaderProto::decode(table[0].1).unwrap();
    let entries = table[1..]
        .iter()
        .map(|(k, v)| (k.clone(), BundleEntryProto::decode(*v).unwrap()))
        .collect();
    (header, entries)
}

/// Writes an index of raw `(key, value)` pairs, in the order given, next to a copy of
/// the fixture's data file (or `data`, if given); returns the prefix.
fn write_raw(dir: &TempDir, pairs: &[(Vec<u8>, Vec<u8>)], data: Option<&[u8]>) -> PathBuf {
    let mut table = TableBuilder::default();
    for (key, value) in pairs {
        table.add(key, value);
    }
    std::fs::write(dir.path().join(INDEX), table.finish()).unwrap();
    std::fs::write(
        dir.path().join(DATA),
        data.map_or_else(|| fixture_file(DATA), <[u8]>::to_vec),
    )
    .unwrap();
    dir.path().join("model.ckpt")
}

/// Writes the fixture with its header and entries changed by `edit`.
fn write_edited(
    dir: &TempDir,
    edit: impl FnOnce(&mut BundleHeaderProto, &mut Vec<(Vec<u8>, BundleEntryProto)>),
) -> PathBuf {
    let (mut header, mut entries) = fixture_entries();
    edit(&mut header, &mut entries);
    let mut pairs = vec![(Vec::new(), header.encode_to_vec())];
    pairs.extend(entries.iter().map(|(k, e)| (k.clone(), e.encode_to_vec())));
    write_raw(dir, &pairs, None)
}

fn entry<'a>(
    entries: &'a mut [(Vec<u8>, BundleEntryProto)],
    name: &str,
) -> &'a mut BundleEntryProto {
    &mut entries
        .iter_mut()
        .find(|(k, _)| k == name.as_bytes())
        .unwrap()
        .1
}

fn dims(sizes: &[i64]) -> Option<TensorShapeProto> {
    Some(TensorShapeProto {
        dim: sizes
            .iter()
            .map(|&size| Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    })
}

#[test]
fn unedited_rewrite_reads_like_the_fixture() {
    let dir = TempDir::new("rewrite");
    let prefix = write_edited(&dir, |_, _| {});
    assert_eq!(
        read_all(&prefix).unwrap(),
        read_all(&fixture_prefix()).unwrap()
    );
}

#[test]
fn broken_headers_are_rejected() {
    type Edit = fn(&mut BundleHeaderProto);
    let cases: [(Edit, &str); 6] = [
        (|h| h.num_shards = 0, "Corrupt"),
        (|h| h.num_shards = -3, "Corrupt"),
        (|h| h.endianness = 2, "Corrupt"),
        (
            |h| {
                h.version = Some(VersionDef {
                    producer: 1,
                    min_consumer: 2,
                    bad_consumers: vec![],
                })
            },
            "UnsupportedVersion",
        ),
        (
            |h| {
                h.version = Some(VersionDef {
                    producer: 1,
                    min_consumer: 0,
                    bad_consumers: vec![1],
                })
            },
            "UnsupportedVersion",
        ),
        (
            |h| {
                h.version = Some(VersionDef {
                    producer: -1,
                    min_consumer: 0,
                    bad_consumers: vec![],
                })
            },
            "UnsupportedVersion",
        ),
    ];
    for (edit, kind) in cases {
        let dir = TempDir::new("header");
        let prefix = write_edited(&dir, |h, _| edit(h));
        let err = CheckpointReader::open(&prefix).unwrap_err();
        assert!(format!("{err:?}").starts_with(kind), "{err:?}");
        assert_eq!(err.path(), dir.path().join(INDEX));
    }
    // No header at all, or one that is not a proto.
    let dir = TempDir::new("no-header");
    let (_, entries) = fixture_entries();
    let pairs: Vec<_> = entries
        .iter()
        .map(|(k, e)| (k.clone(), e.encode_to_vec()))
        .collect();
    let err = CheckpointReader::open(write_raw(&dir, &pairs, None)).unwrap_err();
    assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
    let mut pairs = pairs;
    pairs.insert(0, (Vec::new(), vec![0xff, 0xff, 0xff]));
    let err = CheckpointReader::open(write_raw(&dir, &pairs, None)).unwrap_err();
    assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
}

#[test]
fn broken_entries_are_rejected_naming_the_tensor() {
    type Edit = fn(&mut BundleEntryProto);
    let cases: [(Edit, &str); 10] = [
        (
            |e| e.shape = dims(&[1 << 40, 1 << 40]),
            "more elements than fit",
        ),
        (|e| e.shape = dims(&[i64::MAX, 2]), "needs more than 2^64"),
        (|e| e.shape = dims(&[-1, 2]), "not a size"),
        (|e| e.shape = dims(&[3, 3]), "needs 36"),
        (|e| e.shape = dims(&[1; 255]), "at most 254"),
        (
            |e| {
                e.shape = Some(TensorShapeProto {
                    dim: vec![],
                    unknown_rank: true,
                })
            },
            "unknown rank",
        ),
        (|e| e.size = 20, "holds 20 bytes"),
        (|e| e.shard_id = 1, "shard 1"),
        (|e| e.offset = -4, "negative offset"),
        (|e| e.size = -4, "negative size"),
    ];
    for (edit, reason_part) in cases {
        let dir = TempDir::new("entry");
        let prefix = write_edited(&dir, |_, entries| edit(entry(entries, "dense/kernel")));
        match CheckpointReader::open(&prefix).unwrap_err() {
            CheckpointError::CorruptEntry {
                tensor,
                reason,
                path,
            } => {
                assert_eq!(tensor, "dense/kernel");
                assert!(reason.contains(reason_part), "{reason}");
                assert_eq!(path, dir.path().join(INDEX));
            }
            other => panic!("{reason_part}: {other}"),
        }
    }
    let dir = TempDir::new("entry-garbage");
    let (header, entries) = fixture_entries();
    let mut pairs = vec![(Vec::new(), header.encode_to_vec())];
    pairs.extend(entries.iter().map(|(k, e)| (k.clone(), e.encode_to_vec())));
    pairs[2].1 = vec![0x0a, 0x10, 0x01];
    let err = CheckpointReader::open(write_raw(&dir, &pairs, None)).unwrap_err();
    assert!(
        matches!(&err, CheckpointError::CorruptEntry { tensor, .. } if tensor == "deep/cube"),
        "{err}"
    );
}

#[test]
fn ranges_past_the_data_file_are_truncation_errors() {
    let dir = TempDir::new("range");
    let prefix = write_edited(&dir, |_, entries| entry(entries, "scale").offset = 69);
    match CheckpointReader::open(&prefix).unwrap_err() {
        CheckpointError::Truncated {
            path,
            what,
            needed,
            len,
        } => {
            assert_eq!(path, dir.path().join(DATA));
            assert!(what.contains("scale"), "{what}");
            assert_eq!((needed, len), (73, 72));
        }
        other => panic!("{other}"),
    }
    let prefix = write_edited(&dir, |_, entries| entry(entries, "scale").offset = i64::MAX);
    let err = CheckpointReader::open(&prefix).unwrap_err();
    assert!(
        matches!(err, CheckpointError::Truncated { needed, .. } if needed == i64::MAX as u64 + 4),
        "{err}"
    );
}

#[test]
fn duplicate_and_unsorted_keys_are_rejected() {
    let (header, entries) = fixture_entries();
    let mut pairs = vec![(Vec::new(), header.encode_to_vec())];
    pairs.extend(entries.iter().map(|(k, e)| (k.clone(), e.encode_to_vec())));
    let mut duplicate = pairs.clone();
    duplicate.insert(3, duplicate[2].clone());
    let mut unsorted = pairs.clone();
    unsorted.swap(2, 3);
    let mut header_twice = pairs.clone();
    header_twice.insert(1, header_twice[0].clone());
    for case in [duplicate, unsorted, header_twice] {
        let dir = TempDir::new("keys");
        let err = CheckpointReader::open(write_raw(&dir, &case, None)).unwrap_err();
        assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
    }
}

#[test]
fn unsupported_dtypes_and_slices_are_listed_errors_not_failures() {
    let dir = TempDir::new("unsupported");
    let prefix = write_edited(&dir, |_, entries| {
        entry(entries, "scale").dtype = 7; // DT_STRING: its 4 bytes are a valid range
        entry(entries, "dense/bias").slices = vec![TensorSliceProto { extent: vec![] }];
    });
    let reader = CheckpointReader::open(&prefix).unwrap();
    let names: Vec<String> = reader.variables().into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(
        names,
        ["counter", "deep/cube", "dense/bias", "dense/kernel"]
    );
    assert!(matches!(
        reader.tensor("scale"),
        Err(CheckpointError::UnsupportedDtype { dtype: 7, .. })
    ));
    let message = reader.tensor("scale").unwrap_err().to_string();
    assert!(
        message.contains("DT_STRING") && message.contains("'scale'"),
        "{message}"
    );
    assert!(matches!(
        reader.tensor("dense/bias"),
        Err(CheckpointError::Unsupported { .. })
    ));
    assert!(reader.tensor("dense/kernel").is_ok());
}

#[test]
fn non_utf8_and_slice_keys_are_hidden_from_variables() {
    let dir = TempDir::new("binary-keys");
    let prefix = write_edited(&dir, |_, entries| {
        let scalar = entry(entries, "scale").clone();
        entries.insert(0, (vec![0x00, 0x01, 0xff], scalar.clone()));
        entries.push((b"zz\xff".to_vec(), scalar));
    });
    let reader = CheckpointReader::open(&prefix).unwrap();
    assert_eq!(reader.variables().len(), 5);
}

#[test]
fn big_endian_bundles_are_byte_swapped_after_the_checksum() {
    let dir = TempDir::new("big-endian");
    let data: Vec<u8> = [42i32.to_be_bytes(), 3.5f32.to_be_bytes()].concat();
    let header = BundleHeaderProto {
        num_shards: 1,
        endianness: 1,
        version: Some(VersionDef {
            producer: 1,
            min_consumer: 0,
            bad_consumers: vec![],
        }),
    };
    let counter = BundleEntryProto {
        dtype: 3,
        shape: dims(&[]),
        size: 4,
        crc32c: mask(crc32c::crc32c(&data[..4])),
        ..Default::default()
    };
    let scale = BundleEntryProto {
        dtype: 1,
        shape: dims(&[1]),
        offset: 4,
        size: 4,
        crc32c: mask(crc32c::crc32c(&data[4..])),
        ..Default::default()
    };
    let pairs = vec![
        (Vec::new(), header.encode_to_vec()),
        (b"counter".to_vec(), counter.encode_to_vec()),
        (b"scale".to_vec(), scale.encode_to_vec()),
    ];
    let reader = CheckpointReader::open(write_raw(&dir, &pairs, Some(&data))).unwrap();
    assert_eq!(reader.tensor("counter").unwrap().data, Data::I32(vec![42]));
    assert_eq!(reader.tensor("scale").unwrap().data, Data::F32(vec![3.5]));
}

#[test]
fn bool_bytes_other_than_zero_and_one_are_rejected() {
    let dir = TempDir::new("bool");
    let data = [1u8, 2, 0];
    let header = crate::checkpoint::bundle::header();
    let flags = BundleEntryProto {
        dtype: 10,
        shape: dims(&[3]),
        size: 3,
        crc32c: mask(crc32c::crc32c(&data)),
        ..Default::default()
    };
    let pairs = vec![
        (Vec::new(), header.encode_to_vec()),
        (b"flags".to_vec(), flags.encode_to_vec()),
    ];
    let reader = CheckpointReader::open(write_raw(&dir, &pairs, Some(&data))).unwrap();
    let err = reader.tensor("flags").unwrap_err();
    assert!(
        matches!(&err, CheckpointError::CorruptEntry { tensor, .. } if tensor == "flags"),
        "{err}"
    );
}

#[test]
fn compressed_blocks_and_wrong_magic_are_rejected() {
    let dir = TempDir::new("snappy");
    copy_fixture(dir.path());
    let prefix = dir.path().join("model.ckpt");
    let mut index = fixture_file(INDEX);
    // The one data block comes first, its trailer right before the metaindex block. Mark
    // it Snappy and fix the checksum, so only the type is wrong.
    let footer = &index[index.len() - FOOTER_LEN..];
    let metaindex = crate::checkpoint::sstable::BlockHandle::decode_from(footer, &mut 0).unwrap();
    let block_len = metaindex.offset as usize - crate::checkpoint::sstable::BLOCK_TRAILER_LEN;
    assert_eq!(block_len, 154);
    index[block_len] = 1;
    let crc = crc32c::crc32c_append(crc32c::crc32c(&index[..block_len]), &[1]);
    index[block_len + 1..block_len + 5].copy_from_slice(&mask(crc).to_le_bytes());
    std::fs::write(dir.path().join(INDEX), &index).unwrap();
    let err = CheckpointReader::open(&prefix).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::UnsupportedCompression { block_type: 1, .. }
        ),
        "{err}"
    );

    let mut index = fixture_file(INDEX);
    let n = index.len();
    index[n - 1] = 0;
    std::fs::write(dir.path().join(INDEX), &index).unwrap();
    let err = CheckpointReader::open(&prefix).unwrap_err();
    assert!(matches!(err, CheckpointError::BadMagic { .. }), "{err}");
    assert!(err.to_string().contains("not an sstable"));
}
