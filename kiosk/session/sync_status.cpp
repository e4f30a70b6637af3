// build_sync_status: store counts + sync states + routes -> status rows (see sync_status.h).
#include "session/sync_status.h"

#include <algorithm>
#include <map>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/deadline.h"
#include "balie/record/problems.h"
#include "session/dossier_view.h"

namespace balie::session {

std::vector<MunicipalityStatus> build_sync_status(const std::vector<store::OutboxCounts>& counts,
                                                  const std::vector<store::SyncState>& states,
                                                  const std::vector<store::Route>& routes,
                                                  std::chrono::system_clock::time_point now) {
  std::map<std::string, MunicipalityStatus> rows;
  auto row = [&](const std::string& code) -> MunicipalityStatus& {
    auto& r = rows[code];
    r.gemeentecode = code;
    r.name = code.empty() ? std::string() : gemeente_name(code);
    return r;
  };
  for (const auto& rt : routes) row(rt.gemeentecode).has_route = true;
  for (const auto& st : states) {
    auto& r = row(st.gemeentecode);
    r.last_success = st.last_success;
    r.last_error = st.last_error;
  }
  for (const auto& c : counts) {
    auto& r = row(c.gemeentecode);
    r.waiting = c.waiting;
    r.held = c.held;
    r.failed = c.failed;
    if (c.held > 0 && !c.held_reason.empty()) {
      auto nl = record::staff_text_for_reason(c.held_reason);
      r.problem = "Vastgehouden: " + (nl.empty() ? c.held_reason : std::string(nl));
    }
    if (c.oldest_waiting) {
      const auto d = record::registration_deadline(*c.oldest_waiting, now);
      r.working_days_left = d.working_days_left;
      r.deadline = d.overdue                                           ? MunicipalityStatus::Deadline::Overdue
                   : d.working_days_left <= kDeadlineSoonWorkingDays ? MunicipalityStatus::Deadline::Soon
                                                                     : MunicipalityStatus::Deadline::Ok;
    }
  }
  std::vector<MunicipalityStatus> out;
  for (auto& [code, r] : rows) {
    if (r.problem.empty() && !r.last_error.empty()) {
      auto nl = record::staff_text_for_reason(r.last_error);
      r.problem = "Laatste probleem: " + r.last_error.substr(0, 200) + (nl.empty() ? "" : " (" + std::string(nl) + ")");
    }
    if (r.failed > 0 && r.problem.empty()) r.problem = "Mislukt: de technicus ziet de reden met balie-admin outbox";
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<DeletionLine> build_deletion_lines(const std::vector<store::DeletionStatus>& deletions) {
  std::vector<DeletionLine> out;
  for (const auto& d : deletions) {
    DeletionLine l;
    l.day = calendar::to_iso(calendar::local_day(d.created_at));
    l.reason = d.reason;
    l.receivers = d.receivers;
    l.receipts = d.receipts;
    l.dropped = d.dropped;
    l.complete = d.receipts >= d.receivers;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace balie::session
