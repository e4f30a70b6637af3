// Private hooks of the consent state (store/ layer, issue 16; store/src/consent.cpp): called inside
// the transactions of commit_sealed() and apply_coa_residents().
#pragma once
#include "balie/store/coa_residents.h"
#include "store_impl.h"

namespace balie::store::detail {

// Keeps a consent record's decision as the resident's current state and queues it for COA.
Status record_consent_in_tx(Store::Impl& impl, const RecordDraft& d, const std::string& record_id, UtcTime at);
// Applies the consent states of one COA feed item (the newer decision wins).
Status apply_coa_consents_in_tx(Store::Impl& impl, const CoaResident& r);

}  // namespace balie::store::detail
