// Two small /v1 messages about the terminal's own state (sync/, any thread), with strict parsers:
// the feed-problem report a terminal sends when it refuses dossier feed items (POST
// /v1/locaties/{locatiecode}/dossierproblemen) and the receiver's chain head for the calling device
// (GET /v1/keten, signed like the feed), from which a reinstalled terminal continues its chain.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "balie/sync/protocol.h"

namespace balie::sync {

inline constexpr std::size_t kMaxReportBytes = 1024 * 1024;

struct FeedProblem {
  std::string resident_id;  // token, <= 64
  std::string problem;      // problem type (balie/record/problems.h), token <= 64
  std::string detail;       // <= 500 bytes, no personal data
};
struct FeedProblemReport {
  std::string locatiecode;  // the location whose feed page it was
  std::string cursor;       // the page's cursor ("" = first page) and the one after it
  std::string next_cursor;
  std::vector<FeedProblem> problems;  // 1..kMaxFeedItems
};
std::string feed_report_json(const FeedProblemReport& r);
Result<FeedProblemReport> parse_feed_report(std::string_view body);

// The highest record of one device this receiver stores (seq 0 and 64 zeros when none).
struct DeviceChainHead {
  std::string gemeentecode, device_id;
  ChainHead head;
};
std::string chain_head_json(const DeviceChainHead& h);
Result<DeviceChainHead> parse_chain_head(std::string_view body);

}  // namespace balie::sync
