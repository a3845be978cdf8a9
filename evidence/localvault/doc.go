// Package localvault is the embedded default [evidence.Vault]: write-once
// objects in a directory on local disk, for `signet` runs without MinIO.
//
// Layout under the directory given to [Open]:
//
//	vault.lock                      held (flock) while a Vault has the directory open
//	objects/<dirs of key>/<leaf>@data   the object's bytes, exactly as Put received them
//	objects/<dirs of key>/<leaf>@meta   its sidecar: size, content type, created, retention (JSON)
//	objects/<dirs of key>/@tmp-*        a Put or ExtendRetention in progress, or a crash's leftover
//
// A key's segments never contain '@' (see [evidence.ValidKey]), so the
// suffixed names cannot collide with directories of other keys: "t/a" and
// "t/a/b" may both exist, as they may in S3. Because each segment becomes a
// file name, this vault refuses keys with a segment longer than 250 bytes
// ([evidence.ErrInvalidKey]); keys built by [evidence.ObjectKey] never have one.
//
// Invariants:
//   - An object is visible exactly when its @data file exists, and its @meta
//     file exists whenever @data does. Put writes both to temporary files,
//     fsyncs them, hard-links the sidecar into place and then the data (a
//     hard link fails when the name exists, so nothing is ever overwritten),
//     and fsyncs the directory. Delete removes @data first, fsyncs, then @meta.
//     A crash therefore leaves at most temporary files and a sidecar without
//     data, which Open removes and which no read ever reports.
//   - The sidecar is the only mutable file: ExtendRetention replaces it with
//     rename, so readers see the old or the new lock, never a torn one.
//   - Only one Vault may have a directory open (enforced with flock on Unix);
//     within it, Put's commit, ExtendRetention and Delete of one key are
//     serialised, so a check of retention and the change it guards are atomic.
//   - Retain-until dates are rounded up, and Created truncated, to whole
//     seconds, as S3 stores them, so both vaults describe an object alike.
//   - Retention is enforced by this process's clock. It guards against
//     application bugs, not against someone with shell access to the disk.
package localvault
