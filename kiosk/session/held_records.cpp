// build_held_rows, conflict_lines: the staff screen's held/failed records and duplicate persons
// (see held_records.h).
#include "session/held_records.h"

#include <algorithm>

#include "balie/record/problems.h"
#include "session/dossier_view.h"

namespace balie::session {

std::vector<HeldRecordRow> build_held_rows(const std::vector<store::OutboxEntry>& held,
                                           const std::vector<store::OutboxEntry>& failed) {
  std::vector<HeldRecordRow> rows;
  auto add = [&](const store::OutboxEntry& e, bool is_failed) {
    HeldRecordRow r;
    r.record_id = e.record_id;
    r.kind = e.kind;
    r.addressee = e.addressee;
    r.failed = is_failed;
    r.created_at = std::chrono::system_clock::time_point(e.created_at.time_since_epoch());
    const std::string& reason = is_failed ? e.last_error : e.held_reason;
    r.reason_type = std::string(record::reason_type(reason));
    r.link_changed = !is_failed && r.reason_type == store::kLinkChangedProblem;
    const auto words = record::staff_text_for_reason(reason);
    r.reason_text = !words.empty() ? std::string(words) : reason.empty() ? std::string("onbekende reden") : reason.substr(0, 200);
    rows.push_back(std::move(r));
  };
  for (const auto& e : held) add(e, false);
  for (const auto& e : failed) add(e, true);
  std::sort(rows.begin(), rows.end(), [](const HeldRecordRow& a, const HeldRecordRow& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.record_id < b.record_id;
  });
  return rows;
}

int count_link_changed(const std::vector<HeldRecordRow>& rows) {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const auto& r) { return r.link_changed; }));
}

std::string_view void_reason_for(const HeldRecordRow& row) {
  return row.link_changed ? "link_changed" : row.failed ? "failed_not_delivered" : "held_not_delivered";
}

std::vector<ConflictLine> conflict_lines(const std::vector<store::IdentityConflict>& conflicts) {
  std::vector<ConflictLine> out;
  for (const auto& c : conflicts) {
    ConflictLine l;
    l.key_label = c.key_kind == "bsn" ? "BSN" : "V-nummer";
    for (const auto& id : c.resident_ids) l.masked_ids.push_back(mask_identifier(id));
    out.push_back(std::move(l));
  }
  return out;
}

int conflict_of(const std::vector<store::IdentityConflict>& conflicts, std::string_view resident_id) {
  for (std::size_t i = 0; i < conflicts.size(); ++i)
    if (std::find(conflicts[i].resident_ids.begin(), conflicts[i].resident_ids.end(), resident_id) !=
        conflicts[i].resident_ids.end())
      return static_cast<int>(i);
  return -1;
}

}  // namespace balie::session
