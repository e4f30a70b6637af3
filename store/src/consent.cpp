// Consent state and the consent-event queue for COA (store/ layer, issue 16). commit_sealed() calls
// record_consent_in_tx() for a consent record, so the record, the resident's current state and the
// event for COA are one durable transaction; apply_coa_residents() calls apply_coa_consents_in_tx()
// for the states COA's feed brings (every terminal at the location learns a decision made elsewhere).
#include "consent_impl.h"

#include <chrono>

#include "balie/record/codec.h"
#include "store_impl.h"

namespace balie::store {

using detail::Stmt;

UtcTime add_months(UtcTime t, int months) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const auto tod = t - day;
  year_month_day ymd{day};
  year_month_day next = ymd + std::chrono::months{months};
  if (!next.ok()) next = year_month_day{next.year() / next.month() / last};
  return sys_days{next} + tod;
}

namespace detail {

namespace {
void bind_opt_time(Stmt& st, int i, const std::optional<UtcTime>& t) {
  if (t) st.bind(i, to_db(*t));
  else st.bind_null(i);
}
}  // namespace

Status record_consent_in_tx(Store::Impl& impl, const RecordDraft& d, const std::string& record_id, UtcTime at) {
  const char* what = "saving the consent decision";
  const RecordDraft::Consent& c = *d.consent;
  if (c.purpose.empty() || c.purpose.size() > 48 || d.kind != "consent." + c.purpose)
    return StoreError{StoreErrc::InvalidArgument, "a consent record's kind must be consent.<purpose>"};
  if (d.decision != "given" && d.decision != "refused" && d.decision != "withdrawn")
    return StoreError{StoreErrc::InvalidArgument, "a consent decision is given, refused or withdrawn"};
  if (c.valid_months < 1 || c.valid_months > 12)
    return StoreError{StoreErrc::InvalidArgument, "a consent is valid for 1 to 12 months"};
  std::optional<UtcTime> expires;
  if (d.decision == "given") expires = add_months(at, c.valid_months);
  // The store's SQLite (SQLCipher 3) has no UPSERT: the row is replaced (one per resident and purpose).
  Stmt st(impl.db,
          "INSERT OR REPLACE INTO consent_state(resident_id, purpose, decision, decided_at, expires_at, record_id, "
          "text_version_id, source) VALUES (?1,?2,?3,?4,?5,?6,?7,'terminal')");
  if (!st.ok()) return impl.err(st.prepare_rc(), what);
  st.bind(1, d.resident_id).bind(2, c.purpose).bind(3, d.decision).bind(4, to_db(at));
  bind_opt_time(st, 5, expires);
  st.bind(6, record_id).bind(7, d.text_version_id);
  if (Status s = impl.run(st, what); !s.ok()) return s;
  Stmt q(impl.db,
         "INSERT INTO coa_consent_queue(record_id, resident_id, purpose, decision, decided_at, expires_at, "
         "text_version_id) VALUES (?1,?2,?3,?4,?5,?6,?7)");
  if (!q.ok()) return impl.err(q.prepare_rc(), what);
  q.bind(1, record_id).bind(2, d.resident_id).bind(3, c.purpose).bind(4, d.decision).bind(5, to_db(at));
  bind_opt_time(q, 6, expires);
  q.bind(7, d.text_version_id);
  return impl.run(q, what);
}

Status apply_coa_consents_in_tx(Store::Impl& impl, const CoaResident& r) {
  if (!r.consents) return {};  // COA said nothing about consent: what this terminal knows stays
  const char* what = "applying COA's consent states";
  for (const ConsentState& c : *r.consents) {
    // The newer decision wins: a decision made here that COA has not yet received is kept.
    Stmt cur(impl.db,
             "SELECT decided_at, record_id, source, decision FROM consent_state WHERE resident_id = ?1 AND purpose = ?2");
    if (!cur.ok()) return impl.err(cur.prepare_rc(), what);
    cur.bind(1, r.id).bind(2, c.purpose);
    int rc = cur.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return impl.err(rc, what);
    std::string source = "coa";
    if (rc == SQLITE_ROW) {
      const bool same = cur.text(1) == c.record_id;
      // Times are whole seconds: on a tie the more protective decision wins (refused or withdrawn
      // over given), as in COA's resident_consent_current; otherwise what this terminal has stays.
      const std::int64_t incoming = to_db(c.decided_at), current = cur.int64(0);
      const bool wins_tie = incoming == current && cur.text(3) == "given" && c.decision != "given";
      if (!same && incoming <= current && !wins_tie) continue;
      if (same) source = cur.text(2);  // the decision made here, now confirmed by COA
    }
    Stmt st(impl.db,
            "INSERT OR REPLACE INTO consent_state(resident_id, purpose, decision, decided_at, expires_at, record_id, "
            "text_version_id, source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    if (!st.ok()) return impl.err(st.prepare_rc(), what);
    st.bind(1, r.id).bind(2, c.purpose).bind(3, c.decision).bind(4, to_db(c.decided_at));
    bind_opt_time(st, 5, c.expires_at);
    st.bind(6, c.record_id).bind(7, c.text_version_id).bind(8, source);
    if (Status s = impl.run(st, what); !s.ok()) return s;
  }
  return {};
}

}  // namespace detail

Result<std::vector<ConsentState>> Store::consent_states(std::string_view resident_id) {
  Stmt st(impl_->db,
          "SELECT resident_id, purpose, decision, decided_at, expires_at, record_id, text_version_id, source "
          "FROM consent_state WHERE resident_id = ?1 ORDER BY purpose");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading consent states");
  st.bind(1, resident_id);
  std::vector<ConsentState> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    ConsentState c;
    c.resident_id = st.text(0);
    c.purpose = st.text(1);
    c.decision = st.text(2);
    c.decided_at = from_db(st.int64(3));
    if (auto v = st.opt_int64(4)) c.expires_at = from_db(*v);
    c.record_id = st.text(5);
    c.text_version_id = st.text(6);
    c.source = st.text(7);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading consent states");
  return out;
}

Result<std::vector<ConsentEvent>> Store::pending_consent_events(std::size_t limit) {
  Stmt st(impl_->db,
          "SELECT record_id, resident_id, purpose, decision, decided_at, expires_at, text_version_id, attempts, "
          "last_error FROM coa_consent_queue ORDER BY decided_at, rowid LIMIT ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading queued consent events");
  st.bind(1, static_cast<std::int64_t>(limit));
  std::vector<ConsentEvent> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    ConsentEvent e;
    e.record_id = st.text(0);
    e.resident_id = st.text(1);
    e.purpose = st.text(2);
    e.decision = st.text(3);
    e.decided_at = from_db(st.int64(4));
    if (auto v = st.opt_int64(5)) e.expires_at = from_db(*v);
    e.text_version_id = st.text(6);
    e.attempts = static_cast<int>(st.int64(7));
    e.last_error = st.text(8);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading queued consent events");
  return out;
}

Status Store::consent_events_acknowledged(const std::vector<std::string>& record_ids) {
  auto& impl = *impl_;
  const char* what = "removing consent events COA acknowledged";
  return impl.write_tx(what, [&]() -> Status {
    for (const auto& id : record_ids) {
      Stmt st(impl.db, "DELETE FROM coa_consent_queue WHERE record_id = ?1");
      st.bind(1, id);
      if (Status s = impl.run(st, what); !s.ok()) return s;
      if (sqlite3_changes(impl.db) == 0) continue;  // acknowledged twice: nothing left to do
      if (Status s = impl.audit_in_tx("sync", "consent.coa_acknowledged", "record=" + id.substr(0, 64)); !s.ok())
        return s;
    }
    return Status{};
  });
}

Status Store::consent_events_failed(const std::vector<std::string>& record_ids, std::string_view error) {
  auto& impl = *impl_;
  const char* what = "noting a failed consent delivery";
  return impl.write_tx(what, [&]() -> Status {
    for (const auto& id : record_ids) {
      Stmt st(impl.db, "UPDATE coa_consent_queue SET attempts = attempts + 1, last_error = ?2 WHERE record_id = ?1");
      st.bind(1, id).bind(2, error.substr(0, 300));
      if (Status s = impl.run(st, what); !s.ok()) return s;
    }
    return Status{};
  });
}

}  // namespace balie::store
