// Package miniovault is the production [evidence.Vault]: objects in a MinIO
// (or S3) bucket with object lock, where retention is enforced by the
// server rather than by Signet.
//
// Invariants:
//   - The bucket has object lock enabled. [Open] creates it that way; a bucket
//     that exists without it is refused, because object lock can only be
//     turned on when a bucket is created.
//   - Put never overwrites. It sends a conditional PUT (If-None-Match: *),
//     which the server checks under its per-object lock, so of two concurrent
//     Puts of a key exactly one succeeds and the other gets
//     [evidence.ErrObjectExists].
//   - Retention is set on the object version in the same PUT that creates it
//     (mode and retain-until, the vault's default unless PutOptions says
//     otherwise), so no version is ever visible without its lock.
//   - The vault never sends the governance-bypass header. Governance locks
//     are lifted only by an administrator outside Signet.
//
// Versions and delete markers: object lock turns versioning on, and a plain
// S3 delete of a versioned object only adds a delete marker on top; the
// locked bytes stay in the bucket. This vault sees a key as its current
// version, as S3 reads do:
//   - Get, Stat, List and ExtendRetention see the current version; a key
//     whose current version is a delete marker (made by some other client)
//     does not exist, and Put may store a new version on top of it.
//   - Delete never makes a delete marker. It removes every version of the
//     key, delete markers included, by version ID, so that a deleted key
//     leaves no bytes behind. It checks every version's lock first and
//     returns [evidence.ErrRetained], removing nothing, if any lock holds,
//     even one on a version hidden under a delete marker. It returns
//     [evidence.ErrObjectNotFound] only when no version of the key holds data.
//
// MinIO keeps each object in a directory named after its key, so of two keys
// where one is the "directory" of the other (t/a/x and t/a/x/1) it stores
// both but lists only the first. [evidence.ObjectKey] builds keys of one fixed
// depth, which never pair up like that.
//
// Until dates are rounded up to whole seconds (S3 stores them so), and
// Created is the server's Last-Modified, also to the second.
package miniovault
