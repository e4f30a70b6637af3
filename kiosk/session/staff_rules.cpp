// Staff screen rules for enrolled terminals (see session/staff_rules.h).
#include "session/staff_rules.h"

#include <sys/timex.h>

#include <algorithm>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/problems.h"

namespace balie::session {

NewPinVerdict check_new_pin(std::string_view first, std::string_view second) {
  if (!std::all_of(first.begin(), first.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return NewPinVerdict::NotDigits;
  if (first.size() < kMinPinDigits) return NewPinVerdict::TooShort;
  if (first.size() > kMaxPinDigits) return NewPinVerdict::TooLong;
  if (first != second) return NewPinVerdict::Mismatch;
  return NewPinVerdict::Ok;
}

std::string_view new_pin_message_key(NewPinVerdict v) {
  switch (v) {
    case NewPinVerdict::Ok: return "";
    case NewPinVerdict::TooShort: return "new_pin.too_short";
    case NewPinVerdict::TooLong: return "new_pin.too_long";
    case NewPinVerdict::NotDigits: return "new_pin.not_digits";
    case NewPinVerdict::Mismatch: return "new_pin.mismatch";
  }
  return "";
}

SyncRequestView sync_request_view(std::optional<std::chrono::system_clock::time_point> requested_at,
                                  bool request_file_present, const std::vector<store::SyncState>& states,
                                  std::chrono::system_clock::time_point now) {
  SyncRequestView v;
  if (!requested_at) return v;
  v.requested_hhmm = calendar::local_hhmm(*requested_at);
  // Sync states have whole seconds: a pass in the same second as the request counts as newer.
  const auto req = std::chrono::floor<std::chrono::seconds>(*requested_at);
  for (const auto& s : states) {
    if (!s.last_attempt || *s.last_attempt < req) continue;
    SyncRequestLine l;
    l.gemeentecode = s.gemeentecode;
    l.ok = s.last_error.empty() && s.last_success && *s.last_success >= *s.last_attempt;
    l.error = s.last_error;
    l.staff_text = std::string(record::staff_text_for_reason(s.last_error));
    v.lines.push_back(std::move(l));
  }
  if (!v.lines.empty()) v.kind = SyncRequestView::Kind::Done;
  else if (!request_file_present) v.kind = SyncRequestView::Kind::Started;
  else if (now - *requested_at >= kSyncStartTimeout) v.kind = SyncRequestView::Kind::NotStarted;
  else v.kind = SyncRequestView::Kind::Waiting;
  return v;
}

bool system_clock_synchronised() {
  struct timex tx {};
  const int st = adjtimex(&tx);
  return st != -1 && st != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

}  // namespace balie::session
