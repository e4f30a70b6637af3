// Sync engine: routing proof, batched push with verified acks, backoff with jitter, and the
// dossier feed (sync/). Every loop here is bounded by count (config) and by libcurl timeouts.
#include "balie/sync/engine.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include "balie/record/problems.h"
#include "balie/sync/reports.h"
#include "detail/https_client.h"

namespace balie::sync {
namespace {

std::time_t wall(const platform::Clock& c) { return std::chrono::system_clock::to_time_t(c.wall_now()); }

bool stopped(const std::atomic<bool>* s) { return s && s->load(); }

void sleep_backoff(int attempt, long base_ms, long cap_ms, const std::atomic<bool>* stop) {
  long exp = base_ms << std::min(attempt, 16);
  long cap = std::min(exp, cap_ms);
  long ms = static_cast<long>(randombytes_uniform(static_cast<uint32_t>(cap) + 1));  // full jitter
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until && !stopped(stop))
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(ms, 50)));
}

// The server certificate must name the gemeentecode as its CN.
bool subject_names(const std::string& subject, const std::string& g) {
  std::regex re("(^|[,/]\\s*)CN\\s*=\\s*" + g + "([,/\\s]|$)");
  return std::regex_search(subject, re);
}

bool retryable(const Error& e) { return e.code == Errc::network || e.code == Errc::server; }

}  // namespace

int PassReport::exit_status() const {
  if (local_error) return 3;
  bool staff = false, transient = false;
  for (const auto& g : gemeenten) {
    staff = staff || g.held || g.rejected > 0 || g.held_records > 0 || g.feed_refused > 0 || !g.feed_error.empty();
    transient = transient || g.transient_failure;
  }
  return staff ? 1 : transient ? 2 : 0;
}

std::string PassReport::summary() const {
  std::string s;
  if (local_error) s += "local error: " + local_error_message + "\n";
  for (const auto& g : gemeenten) {
    s += g.gemeentecode + ": sent " + std::to_string(g.sent) + ", acknowledged " + std::to_string(g.acknowledged) +
         " (" + std::to_string(g.duplicates) + " duplicates), rejected " + std::to_string(g.rejected) +
         ", dossiers +" + std::to_string(g.dossier_upserts) + " -" + std::to_string(g.dossier_purges);
    if (g.held_records > 0) s += ", held " + std::to_string(g.held_records);
    if (g.feed_refused > 0) s += ", feed items refused " + std::to_string(g.feed_refused);
    if (g.deletions_sent > 0)
      s += ", deletion requests " + std::to_string(g.deletions_sent) + " (receipts " + std::to_string(g.deletion_receipts) + ")";
    if (!g.feed_error.empty()) s += ", FEED: " + g.feed_error;
    if (g.held) s += ", HELD: " + g.held_reason;
    if (!g.error.empty()) s += ", error: " + g.error;
    s += "\n";
  }
  return s;
}

SyncEngine::SyncEngine(SyncStore& store, const platform::Clock& clock, EngineConfig cfg)
    : store_(store), clock_(clock), cfg_(std::move(cfg)) {}

PassReport SyncEngine::run_pass(const std::atomic<bool>* stop) {
  PassReport rep;
  auto work = store_.gemeentecodes_with_work();
  auto routed = store_.routed_gemeentecodes();
  if (!work || !routed) {
    rep.local_error = true;
    rep.local_error_message = !work ? work.error().message : routed.error().message;
    return rep;
  }
  std::set<std::string> all(work->begin(), work->end());
  all.insert(routed->begin(), routed->end());
  if (auto del = store_.gemeentecodes_with_deletions(); del) all.insert(del->begin(), del->end());
  for (const auto& g : all) {
    if (stopped(stop)) break;
    GemeenteResult r;
    r.gemeentecode = g;
    // One municipality's endpoint must never stop delivery to the next one in this pass: whatever it
    // answers is parsed under limits (protocol.h), and anything that still escapes is this
    // municipality's transient failure, not the pass's end.
    try {
      push_gemeente(g, r, stop);
    } catch (const std::exception& e) {
      r.transient_failure = true;
      r.error = std::string("internal error while syncing with ") + g + ": " + e.what();
      (void)store_.record_sync_result(g, wall(clock_), false, r.error);
    }
    rep.gemeenten.push_back(std::move(r));
  }
  return rep;
}

void SyncEngine::push_gemeente(const std::string& g, GemeenteResult& r, const std::atomic<bool>* stop) {
  const std::time_t now = wall(clock_);
  auto hold_typed = [&](std::string_view type, const std::string& detail) {
    const std::string reason = record::problem_reason(type, detail);
    r.held = true;
    r.held_reason = reason;
    (void)store_.hold_all(g, reason);
    (void)store_.record_sync_result(g, now, false, "held: " + reason);
  };
  auto route = store_.route(g);
  if (!route) {
    r.error = route.error().message;
    return;
  }
  // Everything before the identity proof that holds records is about the endpoint, not the records.
  auto hold = [&](const std::string& detail) { return hold_typed("endpoint-not-proven", detail); };
  if (!route->has_value()) return hold_typed("no-route", "no endpoint configured for " + g);
  const Route& rt = **route;

  detail::HttpLimits lim;
  lim.connect_timeout_s = cfg_.connect_timeout_s;
  lim.low_speed_time_s = cfg_.low_speed_time_s;
  lim.total_timeout_s = cfg_.total_timeout_s;
  detail::HttpsSession http(rt, {cfg_.client_cert_pem, cfg_.client_key_pem}, lim);
  int attempt = 0;
  // Runs one request with bounded retries on transient errors.
  auto request = [&](auto&& fn) -> Result<detail::HttpResponse> {
    for (;;) {
      Result<detail::HttpResponse> res = fn();
      // 429 (rate limited) is transient like a 5xx; its Retry-After is the least we wait, and one
      // longer than the backoff cap ends this pass for g as a transient failure (the next pass retries).
      long retry_after_ms = res && (res->status == 429 || res->status == 503) ? res->retry_after_s * 1000 : -1;
      if (res && (res->status >= 500 || res->status == 429))
        res = make_error(Errc::server, "HTTP " + std::to_string(res->status) + " from " + g +
                                           (retry_after_ms >= 0 ? " (retry after " + std::to_string(retry_after_ms / 1000) + " s)" : ""));
      if (res || !retryable(res.error()) || attempt >= cfg_.max_retries || stopped(stop)) return res;
      if (retry_after_ms > cfg_.backoff_cap_ms) return res;
      if (retry_after_ms > 0) {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(retry_after_ms);
        while (std::chrono::steady_clock::now() < until && !stopped(stop))
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ++attempt;
        continue;
      }
      sleep_backoff(attempt++, cfg_.backoff_base_ms, cfg_.backoff_cap_ms, stop);
    }
  };
  auto finish = [&] {
    r.bytes_up = http.bytes_sent();
    r.bytes_down = http.bytes_received();
  };

  // 1. Routing proof: TLS (CA + pin), certificate CN, and a fresh signed identity statement that
  //    names the municipality's X25519 sealing key (balie-identity/2), checked against the route's
  //    key before any record goes out.
  Key32 nonce = random_key32();
  std::string nonce_hex = to_hex(nonce.data(), nonce.size());
  // The terminal names the sealing key its route holds: a receiver that rotated its key proves this
  // one while it still opens records sealed to it, so a rotation strands no terminal (sync/README.md).
  const std::string route_key = to_hex(rt.x25519_pk.data(), rt.x25519_pk.size());
  auto idr = request([&] { return http.get("/v1/identiteit?nonce=" + nonce_hex + "&x25519_pk=" + route_key); });
  if (!idr) {
    finish();
    if (idr.error().code == Errc::tls || idr.error().code == Errc::routing) return hold(idr.error().message);
    r.transient_failure = true;
    r.error = idr.error().message;
    (void)store_.record_sync_result(g, now, false, r.error);
    return;
  }
  if (idr->status != 200) {
    finish();
    return hold("identity request answered HTTP " + std::to_string(idr->status));
  }
  if (!subject_names(idr->server_subject, g)) {
    finish();
    return hold("server certificate does not name " + g + " (subject: " + idr->server_subject + ")");
  }
  auto st = parse_identity(idr->body);
  if (st && st->version < 2 && st->gemeentecode == g && st->nonce == nonce_hex) {
    finish();
    return hold("endpoint answered identity statement version 1, which does not cover its sealing key; "
                "version 2 (balie-identity/2) is required: the municipality must update its receiver");
  }
  if (!st || st->gemeentecode != g || st->nonce != nonce_hex ||
      !verify_detached_b64(identity_canonical(g, nonce_hex, st->x25519_pk_hex), st->signature_b64, rt.ed25519_pk)) {
    finish();
    return hold("endpoint did not prove it is " + g + " (identity statement invalid)");
  }
  // The municipality signed its sealing key: the route's key must be that one, or every record
  // sealed to the route's key is unreadable for it (or readable by whoever holds the other key).
  // Nothing is sent; the records stay held until the route is corrected (routing file or bundle).
  if (st->x25519_pk_hex != route_key) {
    finish();
    return hold_typed("sealing-key-mismatch", "the route's X25519 sealing key " + route_key + " is not the key " + g +
                                                  " signs (" + st->x25519_pk_hex +
                                                  "); nothing was sent: the route must be corrected");
  }
  // Held records whose cause is gone go back to pending: endpoint problems now that it proved itself,
  // a clock-skew hold once the record's time is no longer ahead of this terminal's clock.
  if (auto held = store_.list_held(g); held) {
    for (const auto& e : *held) {
      const auto type = record::reason_type(e.held_reason);
      const bool waits = (!type.empty() && record::classify_problem(type, 0).retry == record::RetryRule::WhenNotAhead &&
                          e.created_at > now) ||
                         type == "link-changed";  // COA changed the link: a staff member decides (kiosk, PIN)
      if (waits) {
        ++r.held_records;
        continue;
      }
      (void)store_.release(e.record_id, "retry after " + std::string(type.empty() ? "hold" : type));
    }
  } else {
    (void)store_.release_held(g);
  }
  bool rechained = false;  // a chain is continued from the receiver's head at most once per pass

  // 2. Push pending records in bounded batches.
  std::size_t max_records = cfg_.batch_max_records;
  for (std::size_t b = 0; b < cfg_.max_batches_per_gemeente && !stopped(stop); ++b) {
    auto pending = store_.list_pending(g, max_records, cfg_.batch_max_bytes);
    if (!pending) {
      r.error = pending.error().message;
      break;
    }
    if (pending->empty()) break;
    std::map<std::string, std::pair<const OutboxEntry*, std::string>> by_id;  // id -> entry, package hash
    std::string body = "{\"records\":[";
    for (const auto& e : *pending) {
      if (e.gemeentecode != g) {  // defence in depth: never send another addressee's record
        return hold("store returned a record for " + e.gemeentecode + " while sending to " + g);
      }
      auto env = parse_envelope(e.payload);
      if (!env || env->gemeentecode != g || env->record_id != e.record_id) {
        (void)store_.mark_failed(e.record_id, record::problem_reason("local-envelope-invalid",
                                                  env ? std::string("addressee/id mismatch") : env.error().message));
        ++r.rejected;
        continue;
      }
      if (by_id.size()) body += ",";
      body += e.payload;
      by_id[e.record_id] = {&e, env->package_sha256};
      (void)store_.mark_attempt(e.record_id, now, "");
    }
    body += "]}";
    if (by_id.empty()) continue;
    r.sent += static_cast<int>(by_id.size());
    auto resp = request([&] { return http.post_json("/v1/records", body); });
    if (!resp) {
      for (auto& [id, v] : by_id) (void)store_.mark_attempt(id, now, resp.error().message);
      if (resp.error().code == Errc::tls || resp.error().code == Errc::routing) {
        finish();
        return hold(resp.error().message);
      }
      r.transient_failure = true;
      r.error = resp.error().message;
      break;
    }
    if (resp->status != 200) {
      auto p = parse_problem(resp->body);
      const auto& pc = record::classify_problem(p ? std::string_view(p->title) : std::string_view(), resp->status);
      std::string why = record::problem_reason(
          pc.type, "HTTP " + std::to_string(resp->status) + (p ? " " + p->title + ": " + p->detail : ""));
      if ((resp->status == 400 || resp->status == 413 || pc.retry == record::RetryRule::SplitBatch) && by_id.size() > 1) {
        max_records = 1;  // find the offending record (or restore chain order) by sending one at a time
        continue;
      }
      if (pc.cls == record::ProblemClass::Transient) {
        r.transient_failure = true;
        r.error = why;
        break;
      }
      if (resp->status == 401 || resp->status == 403 || resp->status == 415 || resp->status == 421 ||
          pc.retry == record::RetryRule::NextPass) {
        finish();
        return hold_typed(pc.type, why.substr(pc.type.size() + 2));
      }
      for (auto& [id, v] : by_id) {
        if (pc.cls == record::ProblemClass::Permanent) {
          (void)store_.mark_failed(id, why);
          ++r.rejected;
        } else {
          (void)store_.mark_held(id, why);
          ++r.held_records;
        }
      }
      continue;
    }
    bool needs_rechain = false;
    auto acks = parse_push_response(resp->body);
    if (!acks) {
      r.transient_failure = true;
      r.error = "unusable push response: " + acks.error().message;
      break;
    }
    for (const auto& a : *acks) {
      auto it = by_id.find(a.record_id);
      if (it == by_id.end()) continue;  // not ours in this batch: ignore
      if (a.result == "rejected") {
        const auto& pc = record::classify_problem(a.problem->title, a.problem->status);
        const std::string why =
            record::problem_reason(pc.type, "rejected by " + g + ": " + a.problem->title + ": " + a.problem->detail);
        if (pc.retry == record::RetryRule::Rechain && !rechained) {
          needs_rechain = true;  // stays pending; re-signed after the receiver's head below
        } else if (pc.cls == record::ProblemClass::Permanent) {
          (void)store_.mark_failed(a.record_id, why);
          ++r.rejected;
        } else if (pc.cls == record::ProblemClass::Transient) {
          r.transient_failure = true;  // stays pending for the next pass
          r.error = why;
        } else {
          (void)store_.mark_held(a.record_id, why);
          ++r.held_records;
        }
        by_id.erase(it);
        continue;
      }
      auto v = verify_ack(a.ack_json, a.record_id, g, it->second.second, rt.ed25519_pk);
      if (!v) {
        finish();
        return hold("acknowledgement failed verification: " + v.error().message);
      }
      if (auto s = store_.store_acknowledgement(a.record_id, a.ack_json, wall(clock_)); !s) {
        r.error = s.error().message;
        break;
      }
      ++r.acknowledged;
      if (a.result == "duplicate") ++r.duplicates;
      by_id.erase(it);
    }
    if (!by_id.empty()) {  // records the server did not answer for stay pending
      r.transient_failure = true;
      r.error = std::to_string(by_id.size()) + " records not acknowledged";
      break;
    }
    if (r.transient_failure) break;
    if (needs_rechain) {
      // The receiver holds another chain for this device (a reinstalled terminal, same device id):
      // continue ours after the head it acknowledges, then send again.
      rechained = true;
      std::string fail;
      auto hr = request([&] { return http.get("/v1/keten"); });
      if (!hr || hr->status != 200) {
        fail = "receiver's chain head unavailable: " + (hr ? "HTTP " + std::to_string(hr->status) : hr.error().message);
      } else if (!verify_detached_b64(hr->body, hr->signature, rt.ed25519_pk)) {
        fail = "receiver's chain head signature does not verify";
      } else if (auto h = parse_chain_head(hr->body); !h || h->gemeentecode != g || h->device_id != cfg_.device_id) {
        fail = "receiver's chain head invalid: " + (h ? std::string("names another device or municipality") : h.error().message);
      } else if (auto n = store_.rechain(g, h->head); !n) {
        fail = "continuing the chain failed: " + n.error().message;
      } else {
        ++r.rechained;
        continue;
      }
      // Could not continue: hold what the receiver refused; the next pass tries again.
      r.error = fail;
      (void)store_.hold_all(g, record::problem_reason("chain-conflict", fail));
      r.held = true;
      r.held_reason = record::problem_reason("chain-conflict", fail);
      break;
    }
  }

  // 3. Dossier feed for this location.
  if (!cfg_.locatiecode.empty() && !r.transient_failure) {
    for (std::size_t b = 0; b < cfg_.max_feed_batches && !stopped(stop); ++b) {
      auto cur = store_.dossier_cursor(g);
      if (!cur) {
        r.error = cur.error().message;
        break;
      }
      std::string q = "/v1/locaties/" + cfg_.locatiecode + "/dossierupdates?limit=" + std::to_string(cfg_.feed_limit);
      if (!cur->empty()) q += "&cursor=" + *cur;
      auto resp = request([&] { return http.get(q); });
      if (!resp) {
        r.transient_failure = true;
        r.error = "dossier feed: " + resp.error().message;
        break;
      }
      if (resp->status != 200) {
        auto p = parse_problem(resp->body);
        r.feed_error = "dossier feed answered HTTP " + std::to_string(resp->status) +
                       (p ? " " + p->title + ": " + p->detail : std::string());
        break;
      }
      if (!verify_detached_b64(resp->body, resp->signature, rt.ed25519_pk)) {
        finish();
        return hold("dossier feed signature does not verify under " + g + "'s key");
      }
      auto batch = parse_dossier_batch(resp->body);
      if (!batch || batch->gemeentecode != g || batch->locatiecode != cfg_.locatiecode || batch->cursor != *cur) {
        r.feed_error = "dossier feed batch invalid: " + (batch ? std::string("does not match the request") : batch.error().message);
        break;
      }
      // Items this terminal refuses (a bad dossier, another location's or municipality's resident)
      // are skipped, audited and reported to the municipality; the rest of the page, purges included,
      // is applied and the cursor moves on. The report goes first: if it cannot be delivered now the
      // page is left for the next pass, so the municipality always hears of every refused item.
      auto refused = store_.check_dossier_batch(*batch);
      if (!refused) {
        r.error = refused.error().message;
        break;
      }
      if (!refused->empty()) {
        FeedProblemReport rep{cfg_.locatiecode, batch->cursor, batch->next_cursor, {}};
        for (const auto& f : *refused) rep.problems.push_back({f.resident_id, f.problem, f.detail});
        auto pr = request([&] {
          return http.post_json("/v1/locaties/" + cfg_.locatiecode + "/dossierproblemen", feed_report_json(rep));
        });
        if (!pr) {
          r.transient_failure = true;
          r.error = "reporting refused feed items: " + pr.error().message;
          break;
        }
        r.feed_refused += static_cast<int>(refused->size());
        const auto& f0 = refused->front();
        r.feed_error = std::to_string(r.feed_refused) + " dossier feed item(s) refused (" +
                       record::problem_reason(f0.problem, "resident " + f0.resident_id + ": " + f0.detail) + ")" +
                       (pr->status == 200 ? ", reported to " + g
                                          : ", the report was not accepted (HTTP " + std::to_string(pr->status) + ")");
      }
      if (auto s = store_.apply_dossier_batch(*batch, *refused); !s) {
        r.error = s.error().message;
        break;
      }
      std::vector<bool> skip(batch->items.size(), false);
      for (const auto& f : *refused) skip[f.index] = true;
      for (std::size_t i = 0; i < batch->items.size(); ++i)
        if (!skip[i]) (batch->items[i].action == "upsert" ? r.dossier_upserts : r.dossier_purges)++;
      if (!batch->more) break;
    }
  }
  // 4. Deletion requests (obligation withdrawn / regime corrected; the feed above may just have made
  // one): over the same proven route, each answered with a receipt signed with the ack key; a request
  // stays open (retried next pass) until its receipt verifies.
  if (auto dels = store_.open_deletions(g); dels) {
    for (const auto& d : *dels) {
      if (stopped(stop)) break;
      if (d.request.records.empty()) continue;
      ++r.deletions_sent;
      auto resp = request([&] { return http.post_json("/v1/verwijderverzoeken", deletion_request_json(d.request)); });
      std::string fail;
      if (!resp) {
        fail = resp.error().message;
        r.transient_failure = true;
      } else if (resp->status != 200) {
        auto p = parse_problem(resp->body);
        fail = "deletion request answered HTTP " + std::to_string(resp->status) + (p ? " " + p->title + ": " + p->detail : "");
      } else if (auto v = verify_deletion_receipt(resp->body, d.request, g, cfg_.device_id, rt.ed25519_pk); !v) {
        fail = "deletion receipt failed verification: " + v.error().message;
      } else if (auto s = store_.store_deletion_receipt(d.request.deletion_id, g, resp->body, wall(clock_)); !s) {
        fail = s.error().message;
      } else {
        ++r.deletion_receipts;
        continue;
      }
      (void)store_.mark_deletion_attempt(d.request.deletion_id, g, fail);
      if (r.error.empty()) r.error = fail;
    }
  } else {
    r.error = dels.error().message;
  }
  finish();
  // A feed problem does not undo delivered records: the success is recorded, then the feed problem
  // as the gemeente's last error (the staff status screen shows it until a clean pass).
  const bool ok = r.error.empty() && !r.held;
  (void)store_.record_sync_result(g, wall(clock_), ok, r.error);
  if (ok && !r.feed_error.empty()) (void)store_.record_sync_result(g, wall(clock_), false, r.feed_error);
}

}  // namespace balie::sync
