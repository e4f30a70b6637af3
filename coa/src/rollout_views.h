// Read side of the operators' rollout pages (coa/src/rollout_views.cpp): uploaded updates with their
// rollout and report counts, one update's rollout with its devices' latest states (through
// show_rollout), and the Dutch wording of the refusals of start/advance/halt_rollout (updates.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "balie/coa/db.h"
#include "balie/coa/web.h"

namespace balie::coa {

// The newest `limit` uploaded updates, newest first, each with its rollout (if any) and the number of
// devices per latest reported state.
DbResult<std::vector<UpdateSummary>> list_update_summaries(Db& db, int limit);
// The update of this version with its rollout and devices: every device that reported (latest state,
// by device id) followed by the canary devices that have not reported yet. nullopt: no such update.
DbResult<std::optional<RolloutView>> rollout_view(Db& db, std::int64_t version);
// The Dutch text for an Invalid refusal of start_rollout / advance_rollout / halt_rollout; a message
// it does not know is given after a Dutch lead-in.
std::string rollout_refusal_dutch(const std::string& message);
// A stored halt reason for the pages: the roll-back rule's own text (record_update_report) in Dutch,
// an operator's reason as it is.
std::string halt_reason_dutch(const std::string& reason);

}  // namespace balie::coa
