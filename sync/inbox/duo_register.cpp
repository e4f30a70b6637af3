// The DUO registration pass and status report (see duo_register.h).
#include "duo_register.h"

#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/deadline.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;
using Clock = std::chrono::system_clock;

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

Clock::time_point at(std::int64_t unix_s) { return Clock::time_point(std::chrono::seconds(unix_s)); }

// Noon UTC of an Amsterdam day is that same day in Amsterdam (summer and winter).
Clock::time_point noon(const std::string& day) {
  return Clock::time_point(calendar::parse_iso_date(day).value_or(calendar::Day{})) + std::chrono::hours(12);
}

record::RegistrationDeadline deadline_of(std::int64_t received_at, const std::string& today) {
  return record::registration_deadline(at(received_at), noon(today));
}

struct Candidates {
  json exports, blocked;
  std::map<std::string, std::int64_t> received;
};

record::Result<Candidates> candidates(InboxDb& db, const std::string& today, bool pip_required) {
  auto ex = db.export_pvt(today, pip_required);
  if (!ex) return ex.error();
  auto rec = db.duo_pvt_received();
  if (!rec) return rec.error();
  Candidates c;
  const json j = json::parse(*ex);
  c.exports = j.at("exports");
  c.blocked = j.at("blocked");
  for (auto& [id, t] : *rec) c.received[id] = t;
  return c;
}

}  // namespace

record::Result<DuoPassResult> duo_register_pass(InboxDb& db, const DuoPassConfig& cfg) {
  auto cand = candidates(db, cfg.today, cfg.pip_required);
  if (!cand) return cand.error();
  DuoPassResult res;
  json lines = json::array();
  auto ensure = [&](const std::string& id) -> record::Result<InboxDb::DuoRegistration> {
    const std::int64_t rcv = cand->received.count(id) ? cand->received[id] : now_s();
    return db.duo_ensure(id, rcv, calendar::to_iso(deadline_of(rcv, cfg.today).last_day));
  };
  // Records the PVT rule holds back: listed as blocked (with the rule's reason), never sent.
  for (const auto& b : cand->blocked) {
    const std::string id = b.at("record_id");
    auto r = ensure(id);
    if (!r) return r.error();
    if (r->state == "accepted" || r->state == "rejected") {
      ++res.already_decided;
      continue;
    }
    const std::string why = b.at("reason").get<std::string>() + ": " + b.at("text").get<std::string>();
    if (auto s = db.duo_record(id, "blocked", std::nullopt, why, now_s()); !s) return s.error();
    ++res.blocked;
    lines.push_back({{"record_id", id}, {"state", "blocked"}, {"reason", b.at("reason")}});
  }
  DuoClient client(cfg.client);
  for (const auto& e : cand->exports) {
    const std::string id = e.at("record_id");
    const std::string path = e.at("path");  // /personen/{bsn}/pvt
    const std::string bsn = path.substr(10, path.size() - 10 - 4);
    const std::string body = e.at("body").dump();
    // The BerichtId is committed here, before anything goes out; a crash later reuses it.
    auto r = ensure(id);
    if (!r) return r.error();
    if (r->state == "accepted" || r->state == "rejected") {  // never PUT again
      ++res.already_decided;
      continue;
    }
    std::string state = "retrying";
    std::optional<std::int64_t> http;
    for (int attempt = 1; attempt <= cfg.max_attempts; ++attempt) {
      if (attempt > 1) {
        const long ms = std::min<long>(cfg.backoff_ms << std::min(attempt - 2, 16), 60000);
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      }
      if (auto s = db.duo_mark_sending(id, now_s()); !s) return s.error();
      auto a = client.put_pvt(bsn, r->bericht_id, body);
      std::string answer;
      DuoOutcome o = DuoOutcome::retry;
      http.reset();
      if (!a) {
        answer = a.error().message;  // curl's text: no personal data
      } else {
        http = a->status;
        o = classify(*a, r->bericht_id);
        answer = mask_duo_answer(a->body, bsn);
        if (o == DuoOutcome::retry && a->status >= 200 && a->status < 300)
          answer = "2xx without the berichtId echo or API-Version header DUO's API requires: " + answer;
      }
      if (!a && a.error().code != Errc::network) {
        // Not DUO's answer but our side or trust (certificate refused, bad URL): nothing more can
        // succeed in this pass. Keep the record retrying (same BerichtId) and stop.
        if (auto s = db.duo_record(id, "retrying", std::nullopt, answer, now_s()); !s) return s.error();
        return make_error(a.error().code, "DUO registration stopped: " + answer);
      }
      state = o == DuoOutcome::accepted ? "accepted" : o == DuoOutcome::rejected ? "rejected" : "retrying";
      if (auto s = db.duo_record(id, state, http, answer, now_s()); !s) return s.error();
      if (state != "retrying") break;
    }
    (state == "accepted" ? res.accepted : state == "rejected" ? res.rejected : res.retrying)++;
    json line = {{"record_id", id}, {"state", state}, {"bericht_id", r->bericht_id}};
    if (http) line["http_status"] = *http;
    lines.push_back(line);
  }
  res.json = json{{"today", cfg.today},
                  {"accepted", res.accepted},
                  {"rejected", res.rejected},
                  {"retrying", res.retrying},
                  {"blocked", res.blocked},
                  {"already_decided", res.already_decided},
                  {"records", lines}}
                 .dump(1);
  return res;
}

record::Result<DuoStatus> duo_status(InboxDb& db, const std::string& today) {
  auto cand = candidates(db, today, true);
  if (!cand) return cand.error();
  std::vector<std::string> ids;
  for (const auto* list : {&cand->exports, &cand->blocked})
    for (const auto& e : *list) ids.push_back(e.at("record_id"));
  DuoStatus st;
  json rows = json::array(), overdue = json::array();
  for (const auto& id : ids) {
    auto reg = db.duo_get(id);
    if (!reg) return reg.error();
    const std::int64_t rcv = *reg ? (*reg)->received_at : cand->received[id];
    const auto d = deadline_of(rcv, today);
    const std::string state = *reg ? (*reg)->state : "not_started";
    json row = {{"record_id", id},
                {"state", state},
                {"received_on", calendar::to_iso(d.made_on)},
                {"deadline", calendar::to_iso(d.last_day)},
                {"attempts", *reg ? (*reg)->attempts : 0}};
    if (*reg && (*reg)->last_http_status) row["last_http_status"] = *(*reg)->last_http_status;
    if (*reg && !(*reg)->last_answer.empty()) row["last_answer"] = (*reg)->last_answer;
    if (state == "accepted") {
      const calendar::Day on = calendar::local_day(at((*reg)->decided_at.value_or(0)));
      row["accepted_on"] = calendar::to_iso(on);
      row["accepted_late"] = on > d.last_day;
      row["overdue"] = false;
    } else {
      row["working_days_left"] = d.working_days_left;
      row["overdue"] = d.overdue;
      if (d.overdue) {
        ++st.overdue;
        overdue.push_back(id);
      }
    }
    rows.push_back(row);
  }
  st.json = json{{"today", today}, {"registrations", rows}, {"overdue", overdue}}.dump(1);
  return st;
}

}  // namespace balie::inbox
