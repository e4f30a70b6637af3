// Store::apply_bundle and Store::applied_bundle (store/ layer): an enrolment bundle applied in one
// transaction, with the version/location rules that refuse replays and moves, and the audit entry.
// Parsing and signatures are in bundle.cpp; this file only writes what a checked bundle says.
#include <sodium.h>

#include <cstdlib>
#include <set>

#include "balie/record/codec.h"
#include "store_impl.h"

namespace balie::store {

using detail::Stmt;

namespace {

std::string join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(1, sep) : "") + v[i];
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    auto at = s.find(sep, start);
    if (at == std::string::npos) at = s.size();
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  return out;
}

BundleError store_failure(const StoreError& e) { return BundleError{BundleRefusal::Invalid, e.message}; }

}  // namespace

record::Result<bool, BundleError> Store::apply_bundle(const EnrolmentBundle& b, std::string_view actor) {
  auto& impl = *impl_;
  const char* what = "applying the enrolment bundle";
  // First-login PINs are hashed before the write lock is taken (Argon2id is slow).
  std::vector<std::string> first_hashes(b.staff.size());
  for (std::size_t i = 0; i < b.staff.size(); ++i) {
    if (b.staff[i].first_login_pin.empty()) continue;
    auto h = hash_pin(b.staff[i].first_login_pin);
    if (!h.ok()) return store_failure(h.error());
    first_hashes[i] = std::move(h.value());
  }
  bool already = false;
  std::optional<BundleError> refusal;
  Status s = impl.write_tx(what, [&]() -> Status {
    {
      Stmt cur(impl.db, "SELECT bundle_version, bundle_sha256, location_id FROM enrolment WHERE id = 1");
      int rc = cur.step();
      if (rc == SQLITE_ROW) {
        std::int64_t v = cur.int64(0);
        if (b.version < v) {
          refusal = BundleError{BundleRefusal::Older, "bundle version " + std::to_string(b.version) +
                                                          " is older than the applied version " + std::to_string(v)};
        } else if (b.version == v) {
          if (cur.text(1) == b.sha256) already = true;
          else refusal = BundleError{BundleRefusal::SameVersionChanged,
                                     "bundle version " + std::to_string(v) + " is already applied with other content"};
        } else if (cur.text(2) != b.device.location_id) {
          refusal = BundleError{BundleRefusal::OtherLocation,
                                "this terminal is enrolled at location " + cur.text(2) + "; the bundle is for " +
                                    b.device.location_id + " (moving a terminal needs a factory reset)"};
        }
      } else if (rc != SQLITE_DONE) {
        return impl.err(rc, what);
      }
    }
    if (refusal || already) return {};

    // Device configuration.
    Stmt dev(impl.db, "INSERT OR REPLACE INTO device_config(id, kiosk_id, location_id, location_name) VALUES (1,?1,?2,?3)");
    dev.bind(1, b.device.kiosk_id).bind(2, b.device.location_id).bind(3, b.device.location_name);
    if (Status st = impl.run(dev, what); !st.ok()) return st;

    // Routes: exactly the bundle's.
    std::set<std::string> codes;
    for (const auto& r : b.routes) codes.insert(r.gemeentecode);
    {
      Stmt all(impl.db, "SELECT gemeentecode FROM routes");
      std::vector<std::string> gone;
      int rc;
      while ((rc = all.step()) == SQLITE_ROW)
        if (!codes.count(all.text(0))) gone.push_back(all.text(0));
      if (rc != SQLITE_DONE) return impl.err(rc, what);
      for (const auto& g : gone) {
        Stmt del(impl.db, "DELETE FROM routes WHERE gemeentecode = ?1");
        del.bind(1, g);
        if (Status st = impl.run(del, what); !st.ok()) return st;
      }
    }
    for (const auto& r : b.routes) {
      Stmt put(impl.db, "INSERT OR REPLACE INTO routes(gemeentecode, endpoint_base_url, ca_certificate_pem, "
                        "pinned_public_key, ack_verify_key, box_public_key) VALUES (?1,?2,?3,?4,?5,?6)");
      put.bind(1, r.gemeentecode).bind(2, r.endpoint_base_url).bind(3, r.ca_certificate_pem).bind(4, r.pinned_public_key);
      put.bind_blob(5, r.ack_verify_key).bind_blob(6, r.box_public_key);
      if (Status st = impl.run(put, what); !st.ok()) return st;
    }
    // Per-municipality PVT settings: exactly the bundle's.
    {
      Stmt clear(impl.db, "DELETE FROM municipality_settings");
      if (Status st = impl.run(clear, what); !st.ok()) return st;
      for (const auto& r : b.routes) {
        Stmt put(impl.db, "INSERT INTO municipality_settings(gemeentecode, pip_required) VALUES (?1, ?2)");
        put.bind(1, r.gemeentecode).bind(2, r.pip_required ? 1 : 0);
        if (Status st = impl.run(put, what); !st.ok()) return st;
      }
    }

    // Staff: the bundle's accounts; others are deactivated (kept for the audit trail).
    std::set<std::string> ids;
    for (std::size_t i = 0; i < b.staff.size(); ++i) {
      const auto& bs = b.staff[i];
      const auto& a = bs.account;
      ids.insert(a.id);
      std::string gms = join(a.gemeentecodes, ',');
      // The PIN field's fingerprint: a PIN the bundle set before is not set again (the staff member
      // may have changed a first-login PIN meanwhile); a new hash or first-login PIN is applied.
      std::string origin = record::sha256_hex(bs.pin_hash.empty() ? "first:" + bs.first_login_pin : "hash:" + bs.pin_hash);
      const std::string& hash = bs.pin_hash.empty() ? first_hashes[i] : bs.pin_hash;
      Stmt get(impl.db, "SELECT pin_origin FROM staff WHERE id = ?1");
      get.bind(1, a.id);
      int rc = get.step();
      if (rc == SQLITE_ROW) {
        bool new_pin = get.text(0) != origin;
        Stmt upd(impl.db, new_pin ? "UPDATE staff SET display_name=?2, role=?3, gemeentecodes=?4, active=?5, pin_hash=?6, "
                                    "must_change_pin=?7, pin_origin=?8, failed_count=0, lockout_level=0, "
                                    "locked_until=NULL WHERE id=?1"
                                  : "UPDATE staff SET display_name=?2, role=?3, gemeentecodes=?4, active=?5 WHERE id=?1");
        upd.bind(1, a.id).bind(2, a.display_name).bind(3, to_string(a.role)).bind(4, gms).bind(5, a.active ? 1 : 0);
        if (new_pin) upd.bind(6, hash).bind(7, a.must_change_pin ? 1 : 0).bind(8, origin);
        if (Status st = impl.run(upd, what); !st.ok()) return st;
      } else if (rc == SQLITE_DONE) {
        Stmt ins(impl.db, "INSERT INTO staff(id, display_name, role, gemeentecodes, active, pin_hash, must_change_pin, "
                          "pin_origin) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
        ins.bind(1, a.id).bind(2, a.display_name).bind(3, to_string(a.role)).bind(4, gms).bind(5, a.active ? 1 : 0);
        ins.bind(6, hash).bind(7, a.must_change_pin ? 1 : 0).bind(8, origin);
        if (Status st = impl.run(ins, what); !st.ok()) return st;
      } else {
        return impl.err(rc, what);
      }
    }
    {
      Stmt all(impl.db, "SELECT id FROM staff WHERE active = 1");
      std::vector<std::string> off;
      int rc;
      while ((rc = all.step()) == SQLITE_ROW)
        if (!ids.count(all.text(0))) off.push_back(all.text(0));
      if (rc != SQLITE_DONE) return impl.err(rc, what);
      for (const auto& id : off) {
        Stmt upd(impl.db, "UPDATE staff SET active = 0 WHERE id = ?1");
        upd.bind(1, id);
        if (Status st = impl.run(upd, what); !st.ok()) return st;
      }
    }

    // Texts: immutable versions; a known id must have the same body.
    int new_texts = 0;
    for (const auto& t : b.texts) {
      std::string sha = record::sha256_hex(t.body);
      Stmt sel(impl.db, "SELECT sha256 FROM text_versions WHERE version_id = ?1");
      sel.bind(1, t.version_id);
      int rc = sel.step();
      if (rc == SQLITE_ROW) {
        if (sel.text(0) != sha) {
          refusal = BundleError{BundleRefusal::Invalid, "text " + t.version_id +
                                                            " exists with another body; a changed text needs a new version number"};
          return StoreError{StoreErrc::Conflict, refusal->message};
        }
        continue;
      }
      if (rc != SQLITE_DONE) return impl.err(rc, what);
      if (Status st = impl.put_text_in_tx(t, sha, actor); !st.ok()) return st;
      ++new_texts;
    }

    Stmt en(impl.db, "INSERT OR REPLACE INTO enrolment(id, bundle_version, bundle_sha256, issued_at, applied_at, device_id, "
                     "location_id, device_ed25519_pk, tls_certificate_pem, coa_endpoint, coa_ca_pem, coa_pins, "
                     "ntp_servers, sync_window, consent_purposes) VALUES (1,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)");
    en.bind(1, b.version).bind(2, b.sha256).bind(3, b.issued_at).bind(4, to_db(impl.now())).bind(5, b.device.kiosk_id);
    en.bind(6, b.device.location_id).bind(7, b.device_ed25519_pk).bind(8, b.tls_certificate_pem).bind(9, b.coa_endpoint);
    en.bind(10, b.coa_ca_pem).bind(11, join(b.coa_pins, ';')).bind(12, join(b.ntp_servers, ' ')).bind(13, b.sync_window);
    en.bind(14, consent_purposes_json(b.consent_purposes));
    if (Status st = impl.run(en, what); !st.ok()) return st;
    for (const auto& f : b.bidi_stripped)
      if (Status st = impl.audit_in_tx(actor, "bundle.bidi_stripped", "version=" + std::to_string(b.version) + " field=" + f);
          !st.ok())
        return st;
    return impl.audit_in_tx(actor, "bundle.apply",
                            "version=" + std::to_string(b.version) + " sha256=" + b.sha256 + " device=" + b.device.kiosk_id +
                                " location=" + b.device.location_id + " routes=" + std::to_string(b.routes.size()) +
                                " staff=" + std::to_string(b.staff.size()) + " new_texts=" + std::to_string(new_texts));
  });
  if (refusal) {
    // Refusals are audited too (in their own transaction: the apply rolled back).
    (void)append_audit(actor, "bundle.refused",
                       std::string("version=") + std::to_string(b.version) + " reason=" + to_string(refusal->why));
    return *refusal;
  }
  if (!s.ok()) return store_failure(s.error());
  return already;
}

Result<std::optional<AppliedBundle>> Store::applied_bundle() {
  Stmt st(impl_->db, "SELECT bundle_version, bundle_sha256, issued_at, applied_at, device_id, location_id, "
                     "device_ed25519_pk, tls_certificate_pem, coa_endpoint, coa_ca_pem, coa_pins, ntp_servers, "
                     "sync_window, consent_purposes FROM enrolment WHERE id = 1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the enrolment");
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<AppliedBundle>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading the enrolment");
  AppliedBundle a;
  a.version = st.int64(0);
  a.sha256 = st.text(1);
  a.issued_at = st.text(2);
  a.applied_at = from_db(st.int64(3));
  a.device_id = st.text(4);
  a.location_id = st.text(5);
  a.device_ed25519_pk = st.text(6);
  a.tls_certificate_pem = st.text(7);
  a.coa_endpoint = st.text(8);
  a.coa_ca_pem = st.text(9);
  a.coa_pins = split(st.text(10), ';');
  a.ntp_servers = split(st.text(11), ' ');
  a.sync_window = st.text(12);
  a.consent_purposes = consent_purposes_from_json(st.text(13));
  return std::optional<AppliedBundle>(std::move(a));
}

BundleInstall install_bundle(Store& store, std::string_view file_text, std::span<const Ed25519PublicKey> trusted,
                             const TerminalIdentityLoader& own, const std::filesystem::path& config_dir,
                             const std::filesystem::path& store_path, std::string_view actor) {
  BundleInstall out;
  auto refuse = [&](BundleError e, std::int64_t version) {
    (void)store.append_audit(actor, "bundle.refused",
                             "version=" + std::to_string(version) + " reason=" + to_string(e.why));
    out.kind = BundleInstall::Kind::Refused;
    out.refusal = std::move(e);
    return out;
  };
  auto b = open_bundle(file_text, trusted);
  if (!b.ok()) return refuse(b.error(), 0);
  out.bundle = b.value();
  // Issue 20: the image's key set (BALIE_TRUST_FILE / /usr/lib/balie/trust) against the bundle's.
  if (auto e = check_for_image(*out.bundle, image_trust().keys)) return refuse(*e, out.bundle->version);
  TerminalIdentity id;
  if (auto e = own(&id)) {
    out.kind = BundleInstall::Kind::NoIdentity;
    out.message = *e;
    return out;
  }
  if (auto e = check_for_terminal(*out.bundle, id.device_pk, id.tls_pin)) return refuse(*e, out.bundle->version);
  auto applied = store.apply_bundle(*out.bundle, actor);  // audits its own refusals
  if (!applied.ok()) {
    out.kind = BundleInstall::Kind::Refused;
    out.refusal = applied.error();
    return out;
  }
  if (auto err = write_terminal_files(*out.bundle, config_dir, store_path)) {
    out.kind = BundleInstall::Kind::FilesNotWritten;
    out.message = *err;
    return out;
  }
  out.kind = applied.value() ? BundleInstall::Kind::AlreadyApplied : BundleInstall::Kind::Applied;
  return out;
}

std::filesystem::path default_provisioning_keys_dir() {
  const char* e = std::getenv("BALIE_PROVISIONING_KEYS");
  return (e != nullptr && *e != '\0') ? std::filesystem::path(e) : std::filesystem::path("/usr/share/balie/provisioning-keys");
}

}  // namespace balie::store
