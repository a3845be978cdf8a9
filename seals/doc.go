// Package seals is the electronic-seal domain: a tenant applies for a seal,
// a platform operator reviews official seals, the approved seal is made (a
// GB/T 38540 v4 SESeal signed by the platform seal maker and bound to its
// owner's SM2 certificate), and the seal is then used, frozen, reported
// lost, revoked or left to expire. Use is granted to named people or roles,
// guarded by a per-holder PIN, optionally approved by the custodian, and
// every attempt is logged.
//
// Invariants:
//   - Every Service method needs a tenant in ctx; another tenant's seal is
//     [ErrNotFound], never forbidden. The exceptions are the operators'
//     [Service.Queue] and [Service.TenantOf], which read across tenants;
//     operators then act on a seal in its tenant's ctx.
//   - A seal that is pending, rejected, frozen, lost, revoked or past its
//     validity never signs: [Service.Use] is the only way to obtain a
//     [Grant] and it refuses them all.
//   - A revoked seal never signs again and never leaves the revoked state.
//   - An official seal is made only for a tenant whose organisation
//     verification is approved; a personal seal only for a person holding a
//     current certificate (a verified person).
//   - Every transition is an event on the tenant chain
//     ([evidence.TenantChain]) with actor, IP and user agent; every attempt
//     to use a seal, granted or refused, is a row of the use log.
//   - A use that needs approval files one request, and the people who may
//     decide it (the custodian, else the owners and admins) are asked by SMS
//     and email in the same transaction; retries while it is pending ask
//     nobody again.
//   - Five wrong PINs in a row lock that holder out of that seal until a
//     tenant manager unlocks them.
//   - The seal image is stored only encrypted (kek, label "seal-image:<id>")
//     in the vault; the SESeal DER is stored in the vault as an artefact.
package seals
