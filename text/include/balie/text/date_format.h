// Dates as residents read them (text/, any thread): day, month name in the language, year
// ("3 maart 2025", "3 آذار 2025"). Farsi and Dari may use Persian digits. Gregorian calendar only.
#pragma once
#include <string>

#include "balie/text/languages.h"
#include "balie/text/result.h"

namespace balie::text {

struct Date {
  int year = 1970, month = 1, day = 1;
};

enum class Digits { kLatin, kNative };  // kNative: Extended Arabic-Indic digits for fa/prs only

// Errors for an impossible date (month 13, 31 April, 29 February in a common year).
Result<std::string> format_date(const Language& language, Date date, Digits digits = Digits::kLatin);

}  // namespace balie::text
