// Package convert turns word-processing documents (DOCX and ODT) into PDF
// with LibreOffice, so that contracts drafted in an office suite can be
// signed as PDF.
//
// Each conversion runs its own headless soffice with a fresh user profile
// in a temporary directory, so that conversions can run concurrently, a
// crashed one cannot lock the profile for the next, and nothing is left on
// disk afterwards. The format is decided from the document's content, never
// from its name.
//
// Invariants:
//   - A conversion never outlives its context or [DefaultTimeout]: on
//     either, the whole process group is killed.
//   - The temporary directory (input copy, profile, output) is removed
//     before ToPDF returns, whatever happened.
//   - Without LibreOffice, a DOCX or ODT fails with [ErrUnavailable];
//     anything else fails with [ErrUnsupported] whether or not it is
//     installed.
//   - LibreOffice never sees a zip bomb: the entries are counted and
//     unpacked into nothing first, and a zip over [MaxEntries] or one that
//     unpacks (by its headers or in fact) past its limit fails with
//     [ErrTooComplex], whether or not LibreOffice is installed.
//   - At most [MaxConcurrent] conversions run, each under [MemoryLimit] of
//     address space; [MaxQueued] more wait, and any more fail at once with
//     [ErrBusy].
package convert
