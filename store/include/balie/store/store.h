// Store: the encrypted record store on SQLCipher 3.4.1 (store/ layer, headless).
// One Store = one connection; use it from one thread at a time. The kiosk and the sync daemon each
// open their own Store on the same file (WAL, busy_timeout, short transactions), so cross-process
// access is safe. Every mutating call is one transaction; commit_sealed returns only after the
// commit is durable (WAL + synchronous=FULL). No call throws; failures come back as StoreError.
//
// Map:  open / status / integrity_check            (this file, [SECTION] Lifecycle)
//       residents, search, dossier, feed batches   ([SECTION] Residents)
//       staff + PIN lockout                        ([SECTION] Staff)
//       commit_sealed + outbox for the sync engine ([SECTION] Records and outbox)
//       routing, sync state, device config, texts  ([SECTION] Configuration)
//       audit chain, purge                         ([SECTION] Audit and retention)
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/store/bundle.h"
#include "balie/store/coa_residents.h"
#include "balie/store/result.h"
#include "balie/store/types.h"

namespace balie::platform {
class Clock;
}

namespace balie::store {

// File name of the database inside the state directory (platform Paths::state_dir).
inline constexpr const char* kDatabaseFileName = "balie.db";

// Process set-up, called once before any SQLite use (before the first Store::open): from then on
// every block SQLite frees (page cache, decrypted pages, row values, statement memory) is
// overwritten first, so a closed connection leaves no plaintext behind in freed memory. SQLite's
// allocator can only be replaced before SQLite starts; afterwards this returns an error. Only
// SQLite's own allocations are affected (the kiosk calls it in main()).
Status wipe_sqlite_memory_on_free();

struct OpenOptions {
  const balie::platform::Clock* clock = nullptr;  // nullptr -> system clock; must outlive the Store
  int busy_timeout_ms = 5000;
  bool create_if_missing = true;  // false: a missing file is NotFound (balie-admin)
  bool read_only = false;         // open for inspection only (no migrations are run)
  std::size_t max_outbox_entries = 20000;        // unacknowledged entries; beyond -> LimitReached
  std::size_t max_payload_bytes = 4 * 1024 * 1024;  // one sealed envelope
  // Tests only: stop migrating at this schema version (0 = latest). Used to build old-version files.
  int migrate_to_version = 0;
};

// PIN lockout policy: after `max_failures` wrong PINs the account is locked for `first_lock`,
// each further lockout doubles the time, up to `max_lock`.
struct LockoutPolicy {
  int max_failures = 5;
  std::chrono::seconds first_lock{15 * 60};
  std::chrono::seconds max_lock{24 * 60 * 60};
};

class Store {
 public:
  static constexpr int kSchemaVersion = 11;  // see store/src/schema.cpp for the migration list

  // [SECTION] Lifecycle
  // Opens (creating if allowed) the database at `path`, keyed with the 32-byte raw key
  // (PRAGMA key = "x'..'": no KDF). Verifies the key by reading the schema, then sets WAL,
  // synchronous=FULL, foreign_keys, secure_delete, temp_store=MEMORY, busy_timeout and runs the
  // forward migrations (each in its own transaction). Errors: WrongKey, NotADatabase, Corrupt,
  // NewerSchema, DiskFull, ReadOnly, MissingDirectory, NotFound (no file and !create_if_missing),
  // Busy, InvalidArgument, Io. A file is created with mode 0600.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                             std::span<const std::uint8_t> key,
                                             const OpenOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const;
  int schema_version() const;
  Result<StoreStatus> status();
  // PRAGMA integrity_check; ok -> empty vector, else the reported problems (at most 100).
  Result<std::vector<std::string>> integrity_check();
  // Moves the WAL into the main file and truncates it (e.g. after purges, or at idle time).
  Status checkpoint();

  // [SECTION] Residents
  // Residents at this device's location (all residents when location_id is empty), by Latin name.
  Result<std::vector<Resident>> list_residents(std::string_view location_id = {});
  // Finds residents whose name (own script or Latin; case-insensitive for Latin/Cyrillic/Greek,
  // diacritics-insensitive for Latin), V-nummer or room contains `query`. At most `limit` rows.
  Result<std::vector<Resident>> search_residents(std::string_view query, std::size_t limit = 50);
  // Resident ids that share a V-nummer or BSN (one person twice; COA must fix it), sorted. A resident
  // in a conflict cannot get a record (commit_sealed: Conflict) and the kiosk shows one conflict entry.
  Result<std::vector<IdentityConflict>> identity_conflicts();
  Result<std::optional<Resident>> resident(std::string_view resident_id);
  // The whole dossier plus this device's records for the resident. NotFound if unknown.
  Result<ResidentView> load_dossier(std::string_view resident_id);
  // Inserts or replaces one resident with its complete dossier (one transaction).
  Status upsert_resident(const ResidentDossier& rd);
  // Applies a feed batch atomically: upserts, purges and the new cursor for `location_id`, all in
  // one transaction. A purge deletes the resident, the dossier and delivered records; records not yet
  // acknowledged stay until they are (then they go too), so a signed PVT is never lost. Does not
  // VACUUM (call vacuum() afterwards); secure_delete zeroes the freed content.
  Status apply_dossier_batch(std::string_view location_id, const DossierBatch& batch,
                             std::string_view new_cursor);
  // The same for the feed of one municipality. The link comes only from COA (apply_coa_residents):
  // an upsert applies only to a resident this terminal holds and COA linked to `gemeentecode`; it
  // brings the dossier, BSN, client number, language and doelgroep and never changes COA's fields
  // (gemeentecode, gekoppeld_sinds, names, V-nummer, birth date, room, regime, location). Purges only
  // delete residents currently linked to it. Other changes are skipped (counted in
  // BatchOutcome::skipped; balie-syncd refuses and reports them before, see check_dossier_batch), so a
  // municipality never creates a resident nor takes one over. The cursor is kept per (location, gemeentecode).
  Result<BatchOutcome> apply_dossier_batch(std::string_view location_id, std::string_view gemeentecode,
                                           const DossierBatch& batch, std::string_view new_cursor);
  Result<std::string> dossier_cursor(std::string_view location_id,
                                     std::string_view gemeentecode = {});  // "" if none yet
  // COA's residents feed (coa_residents.h): one parsed page in ONE transaction with its cursor. Active
  // residents are inserted or get their base fields refreshed (names, V-nummer, birth date, room,
  // regime, location = the page's, gemeentecode + gekoppeld_sinds) while the dossier, BSN, client
  // number, language and doelgroep the store holds stay; a changed gemeentecode keeps the previous link
  // in eerdere_koppelingen (queued records keep their addressee; audit coa.link_change) and holds the
  // resident's records not yet delivered to the old municipality (held_reason "link-changed: ..."; a
  // staff decision releases or voids them, see void_record). active=false
  // deletes the resident like a feed purge (records still waiting go once acknowledged; audit
  // coa.resident_left). page.refused items are audited (coa.item_refused). Conflict (nothing applied)
  // when the page is for another location than device_config's or the terminal has none.
  Result<CoaResidentsOutcome> apply_coa_residents(const CoaResidentsPage& page);
  Result<std::string> coa_residents_cursor();  // the stored cursor for this location, "" if none yet

  // [SECTION] Staff
  // Creates or replaces a staff account; `pin` (4-12 digits) is hashed with Argon2id
  // (crypto_pwhash_str). An empty pin keeps the stored hash (NotFound if there is none).
  Status upsert_staff(const StaffAccount& account, std::string_view pin);
  Result<std::optional<StaffAccount>> staff(std::string_view staff_id);
  Result<std::vector<StaffAccount>> list_staff();
  // Checks a PIN with persistent lockout (see LockoutPolicy). The failure counter is committed
  // before the verdict is returned, so killing the process does not reset it.
  Result<PinVerdict> verify_pin(std::string_view staff_id, std::string_view pin);
  void set_lockout_policy(const LockoutPolicy& policy);
  // The staff member chose a new PIN (after verify_pin said Ok, e.g. at first login): replaces the
  // hash, clears must_change_pin. The new PIN must differ from the old one (Conflict).
  Status change_pin(std::string_view staff_id, std::string_view new_pin);
  // Technician tooling (balie-admin): a new first-login PIN (must be changed at the next login) and
  // clears the lockout; or (de)activates an account. Audited with `actor`. Unknown id -> NotFound.
  Status reset_pin(std::string_view staff_id, std::string_view first_login_pin, std::string_view actor);
  Status set_staff_active(std::string_view staff_id, bool active, std::string_view actor);

  // [SECTION] Records and outbox
  // The one way a record is made. In ONE durable transaction: fixes the addressee (the resident's
  // gekoppelde gemeente now; draft.expected_gemeentecode must match when given, else Conflict),
  // seals draft.sensitive to that municipality's X25519 key from the routing table, builds the
  // canonical package chained to the addressee's chain head, signs it with the device key (read in
  // place from its guarded buffer), stores record, outbox entry, next chain head and an audit entry,
  // and returns after the commit is durable. Nothing is stored when any step fails: unknown
  // resident (NotFound), no gekoppelde gemeente or no route/sealing key for it (NotFound: staff must
  // fix the koppeling or routing), same record_id twice (Conflict), full outbox (LimitReached).
  Result<CommittedRecord> commit_sealed(const RecordDraft& draft, const platform::DeviceSigningKey& device);
  // [issue16-consent] Consent state and the queue of consent events for COA (store/src/consent.cpp).
  // The resident's current decision per purpose (expired ones included: ConsentState::expired()).
  Result<std::vector<ConsentState>> consent_states(std::string_view resident_id);
  // Queued events not yet acknowledged by COA, oldest first.
  Result<std::vector<ConsentEvent>> pending_consent_events(std::size_t limit);
  // COA acknowledged these events: they leave the queue (audited by record id).
  Status consent_events_acknowledged(const std::vector<std::string>& record_ids);
  // A delivery attempt failed: the events stay queued with the error (retried on the next pass).
  Status consent_events_failed(const std::vector<std::string>& record_ids, std::string_view error);
  Result<ChainHead> chain_head(std::string_view gemeentecode);
  Result<std::vector<RecordSummary>> records_for(std::string_view resident_id);
  // Pending entries for one municipality, oldest first, at most max_count entries and max_bytes of
  // payload (always at least one entry if any is pending, even when it alone exceeds max_bytes).
  Result<std::vector<OutboxEntry>> list_pending(std::string_view gemeentecode, std::size_t max_count,
                                                std::size_t max_bytes);
  Result<std::optional<OutboxEntry>> outbox_entry(std::string_view record_id);
  // Entries in one state (held/failed lists for the staff screen), oldest first, bounded.
  Result<std::vector<OutboxEntry>> list_outbox(OutboxState state, std::size_t max_count);
  Status mark_attempt(std::string_view record_id, std::string_view error = {});  // attempts+1
  Status mark_held(std::string_view record_id, std::string_view reason);
  Status mark_failed(std::string_view record_id, std::string_view problem);
  // A staff member voids a record (kind record.void, no personal data: voided record id, kind,
  // payload and package hash, reason [a-z0-9_-]{1,64}, already_delivered), audited with staff_id.
  // Held or failed (not delivered): the void takes the voided record's place in its addressee's chain
  // (same seq and prev; the voided package hash is named in the void so the next record's prev still
  // checks at the receiver), the voided entry's payload is deleted. Acknowledged: the void is appended
  // at the chain head with already_delivered=true. Pending entries are refused (Conflict: they may be
  // on their way), a record voided before too; unknown id NotFound. One transaction.
  Result<VoidOutcome> void_record(std::string_view record_id, std::string_view staff_id, std::string_view reason,
                                  const platform::DeviceSigningKey& device);
  // held/failed -> pending, with an audit entry naming who released it and why ("sync" for the
  // engine's automatic retry, "admin" for balie-admin release/retry).
  Status release(std::string_view record_id, std::string_view actor = "sync", std::string_view why = {});
  // A reinstalled terminal whose receiver already holds a chain for this device: re-signs every
  // unacknowledged entry of `gemeentecode` in chain order after `receiver_head` (same record ids and
  // sealed parts, new seq/prev) and moves the local chain head after them, in one transaction with an
  // audit entry. Returns how many entries were re-chained.
  Result<int> rechain_unacknowledged(std::string_view gemeentecode, const ChainHead& receiver_head,
                                     const platform::DeviceSigningKey& device);
  // Every pending entry of one addressee -> held(reason); returns how many (one statement).
  Result<int> hold_all(std::string_view gemeentecode, std::string_view reason);
  // Every held entry of one addressee -> pending, except link-changed holds (a staff decision); returns how many.
  Result<int> release_held(std::string_view gemeentecode);
  // Addressees with pending or held entries (sorted).
  Result<std::vector<std::string>> gemeentecodes_with_work();
  // Stores the acknowledgement: deletes the payload, sets state acknowledged and writes the tombstone
  // (record id, payload hash, ack time, ack bytes) in one transaction. Idempotent for the same record.
  // The ack bytes (<= 64 KiB) must hold no personal data: tombstones outlive purges.
  Status store_acknowledgement(std::string_view record_id, std::span<const std::uint8_t> ack,
                               UtcTime ack_time);
  Result<std::optional<Tombstone>> tombstone(std::string_view record_id);
  // The receiver of an acknowledged record ("" when unknown: acknowledged before schema version 6 and
  // purged since).
  Result<std::string> tombstone_addressee(std::string_view record_id);

  // [SECTION] Deletion requests
  // Withdraws a resident whose obligation was wrongly imposed or whose regime was corrected (`reason`
  // obligation_withdrawn | regime_corrected), in ONE transaction: the resident's unsent records
  // (pending, held, failed) are DROPPED, not delivered (audited as record.dropped with record id and
  // payload hash only); every receiver that acknowledged records of the resident (or may hold an
  // attempted one) gets a deletion request (record ids + hashes); then everything about the resident
  // goes (rows, dossier, records, outbox entries) and the deleted pages are erased. Returns the
  // deletion id ("" when the resident is not on this terminal). The feed paths (municipality feed
  // purges and COA withdrawals with these reasons) use the same step.
  Result<std::string> withdraw_resident(std::string_view resident_id, std::string_view reason, std::string_view actor);
  // Requests of one receiver without a receipt yet, oldest first.
  Result<std::vector<DeletionRequestRow>> open_deletion_requests(std::string_view gemeentecode);
  // Receivers with open deletion requests (sorted).
  Result<std::vector<std::string>> gemeentecodes_with_deletions();
  Status mark_deletion_attempt(std::string_view deletion_id, std::string_view gemeentecode, std::string_view error);
  // Stores the verified receipt (<= 64 KiB, no personal data) and audits it. Idempotent.
  Status store_deletion_receipt(std::string_view deletion_id, std::string_view gemeentecode,
                                std::span<const std::uint8_t> receipt, UtcTime when);
  Result<std::vector<DeletionRequestRow>> deletion_requests(std::size_t max_count = 200);
  Result<std::vector<DeletionStatus>> deletion_status(std::size_t max_count = 50);
  Result<std::vector<OutboxCounts>> outbox_counts();

  // [SECTION] Configuration
  Status put_route(const Route& route);
  Status remove_route(std::string_view gemeentecode);
  Result<std::optional<Route>> route(std::string_view gemeentecode);
  Result<std::vector<Route>> routes();
  // The municipality's PVT setting from the enrolment bundle: is a vastgesteld PIP required before
  // the participatieverklaring? True (DUO's default reading) when the bundle did not say.
  Result<bool> pip_required(std::string_view gemeentecode);
  Status record_sync_success(std::string_view gemeentecode, UtcTime when);
  Status record_sync_error(std::string_view gemeentecode, UtcTime when, std::string_view error);
  Result<std::vector<SyncState>> sync_states();
  Status set_device_config(const DeviceConfig& config);
  Result<std::optional<DeviceConfig>> device_config();
  // Stores a text version; sha256 is computed from body (a given, different sha256 -> InvalidArgument).
  // Versions are immutable: the same id with another body -> Conflict.
  Status put_text_version(const TextVersion& text);
  Result<std::optional<TextVersion>> text_version(std::string_view version_id);
  Result<std::vector<TextVersion>> text_versions(std::string_view kind = {});
  // The text to offer for `kind` in `language` to a resident of `gemeentecode`: that municipality's
  // highest numeric version. None -> nullopt (the kiosk blocks signing and tells staff).
  Result<std::optional<TextVersion>> current_text(std::string_view kind, std::string_view language,
                                                  std::string_view gemeentecode);

  // [SECTION] Enrolment
  // Applies a checked bundle (open_bundle + check_for_terminal) in ONE transaction: device
  // configuration, routes (routes not in the bundle are removed), staff (accounts not in the bundle
  // are deactivated; a PIN field the bundle already set before is not applied again, so a PIN the
  // staff member chose stays), texts (immutable: a known id with another body refuses the bundle),
  // the enrolment row and an audit entry with the version and hash. Refused (nothing changes):
  // Older / SameVersionChanged / OtherLocation. The same bundle again: ok, *already_applied = true.
  record::Result<bool, BundleError> apply_bundle(const EnrolmentBundle& bundle, std::string_view actor);
  Result<std::optional<AppliedBundle>> applied_bundle();

  // [SECTION] Audit and retention
  Status append_audit(std::string_view actor, std::string_view action, std::string_view detail);
  Result<std::vector<AuditEntry>> audit_tail(std::size_t max_count);
  Result<AuditVerdict> verify_audit();
  // Deletes everything about one resident (rows, dossier, records, outbox entries, search cache),
  // then VACUUMs and truncates the WAL so freed pages are gone. Refuses (Conflict) while records of
  // the resident are still unsent, unless `even_if_unsent`. Tombstones stay (they hold no personal data).
  Status purge_resident(std::string_view resident_id, bool even_if_unsent = false);
  Status vacuum();

  // The AVG access export for one resident (resident, dossier, records; no payload bytes), as JSON.
  Result<std::string> export_resident_json(std::string_view resident_id);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// [SECTION] Bundle installation (balie-admin bundle apply, balie-syncd's COA client)
// The terminal's own keys a bundle must name (check_for_terminal): loaded only after the bundle's
// signature and content checked. Returns an error text when a key is not available.
struct TerminalIdentity {
  Ed25519PublicKey device_pk{};
  std::string tls_pin;  // "sha256//..." of the terminal's TLS key
};
using TerminalIdentityLoader = std::function<std::optional<std::string>(TerminalIdentity* out)>;

struct BundleInstall {
  enum class Kind { Applied, AlreadyApplied, Refused, NoIdentity, FilesNotWritten } kind = Kind::Refused;
  std::optional<EnrolmentBundle> bundle;  // once open_bundle accepted the file
  std::optional<BundleError> refusal;     // Refused
  std::string message;                    // NoIdentity / FilesNotWritten: what went wrong
};
// The one way a bundle file is installed: open_bundle against `trusted`, check_for_image against the
// image's key set (image_trust(): $BALIE_TRUST_FILE, else /usr/lib/balie/trust), check_for_terminal with the
// identity from `own`, Store::apply_bundle, write_terminal_files(config_dir, store_path). A refusal by
// open_bundle or check_for_terminal is audited here (bundle.refused, `actor`); apply_bundle audits its
// own. FilesNotWritten: the bundle IS applied, the configuration files are not (yet).
BundleInstall install_bundle(Store& store, std::string_view file_text, std::span<const Ed25519PublicKey> trusted,
                             const TerminalIdentityLoader& own, const std::filesystem::path& config_dir,
                             const std::filesystem::path& store_path, std::string_view actor);
// Trusted provisioning keys' folder: $BALIE_PROVISIONING_KEYS, else /usr/share/balie/provisioning-keys.
std::filesystem::path default_provisioning_keys_dir();

// Fills an empty store with the embedded demo data set (assets/demo/): residents, staff (PINs in
// assets/demo/README.md), routes, device configuration and texts. Does nothing when residents exist.
// Returns true when it seeded.
Result<bool> seed_demo_data(Store& store);
// The embedded demo data set as JSON text (for tests and tools).
std::string_view demo_data_json();

}  // namespace balie::store
