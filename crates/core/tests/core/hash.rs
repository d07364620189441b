//! `hash_s3_key` against Python's `hashlib`.

use stowage_core::hash_s3_key;

#[test]
fn hash_s3_key_matches_python_hashlib() {
    // python3 -c 'import hashlib; print(hashlib.sha256(k.encode()).hexdigest()[:16])'
    let vectors = [
        ("", "e3b0c44298fc1c14"),
        ("a", "ca978112ca1bbdca"),
        ("patient-4711/secret scan.nii", "d16c4e94f0986eb4"),
        ("reports/été 2026/scan #1?50%.nii.gz", "80f691bcf52e01e3"),
        ("/leading/slash.txt", "72188f4c8361b4be"),
        ("日本語/キー", "df9dcfb985b1b839"),
        ("😀", "f0443a342c5ef547"),
    ];
    for (key, expected) in vectors {
        assert_eq!(hash_s3_key(key), expected, "hash of {key:?}");
    }
    assert_eq!(hash_s3_key(&"a".repeat(1024)), "2edc986847e209b4");
}
