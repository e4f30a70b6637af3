// balie-inbox's document and evidence commands (issue 17 items 2-3): build a record's evidence package
// from the inbox, verify it (record/evidence_package.h), record the result, and write the package or
// the PDF/A-3 document. Exit codes: see man/balie-inbox.8 ("document").
#pragma once
#include <map>
#include <string>

#include "inbox_db.h"

namespace balie::inbox {

// `what` is "document" or "evidence"; `opt` holds record-id, out, and optionally texts, keys, icc.
int run_document_command(InboxDb& db, const std::string& what, const std::map<std::string, std::string>& opt);

}  // namespace balie::inbox
