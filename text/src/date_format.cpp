// Month names per language and date formatting (text/, any thread). The month names of the
// languages other than nl/en need review by a native speaker, like their catalogs.
#include "balie/text/date_format.h"

#include <array>
#include <string_view>

#include "balie/text/utf8.h"

namespace balie::text {
namespace {

using Months = std::array<std::string_view, 12>;

const Months* months_for(std::string_view code) {
  static const Months nl = {"januari", "februari", "maart", "april", "mei", "juni", "juli",
                            "augustus", "september", "oktober", "november", "december"};
  static const Months en = {"January", "February", "March", "April", "May", "June", "July",
                            "August", "September", "October", "November", "December"};
  // Levantine/Iraqi names, used by most Arabic-speaking residents.
  static const Months ar = {"كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
                            "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"};
  static const Months ti = {"ጥሪ", "ለካቲት", "መጋቢት", "ሚያዝያ", "ግንቦት", "ሰነ",
                            "ሓምለ", "ነሓሰ", "መስከረም", "ጥቅምቲ", "ሕዳር", "ታሕሳስ"};
  static const Months tr = {"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
                            "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"};
  static const Months fa = {"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن",
                            "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"};
  static const Months prs = {"جنوری", "فبروری", "مارچ", "اپریل", "می", "جون",
                             "جولای", "اگست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر"};
  static const Months so = {"Jannaayo", "Febraayo", "Maarso", "Abriil", "May", "Juun",
                            "Luuliyo", "Ogost", "Sebtembar", "Oktoobar", "Nofembar", "Desembar"};
  static const Months ku = {"Kanûna paşîn", "Sibat", "Adar", "Nîsan", "Gulan", "Hezîran",
                            "Tîrmeh", "Tebax", "Îlon", "Cotmeh", "Mijdar", "Kanûna pêşîn"};
  static const Months ckb = {"کانوونی دووەم", "شوبات", "ئازار", "نیسان", "ئایار", "حوزەیران",
                             "تەممووز", "ئاب", "ئەیلوول", "تشرینی یەکەم", "تشرینی دووەم", "کانوونی یەکەم"};
  if (code == "nl") return &nl;
  if (code == "en") return &en;
  if (code == "ar") return &ar;
  if (code == "ti") return &ti;
  if (code == "tr") return &tr;
  if (code == "fa") return &fa;
  if (code == "prs") return &prs;
  if (code == "so") return &so;
  if (code == "ku") return &ku;
  if (code == "ckb") return &ckb;
  return nullptr;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::string number(int v, bool persian) {
  std::string s = std::to_string(v);
  if (!persian) return s;
  std::string out;
  for (char c : s) append_utf8(out, 0x06F0 + static_cast<char32_t>(c - '0'));
  return out;
}

}  // namespace

Result<std::string> format_date(const Language& language, Date d, Digits digits) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.year < 1 || d.year > 9999)
    return Error{"invalid date"};
  const int max_day = kDays[d.month - 1] + (d.month == 2 && leap(d.year) ? 1 : 0);
  if (d.day > max_day) return Error{"invalid date: day " + std::to_string(d.day) + " of month " + std::to_string(d.month)};
  const Months* months = months_for(language.code);
  if (!months) months = months_for("nl");
  const bool persian = digits == Digits::kNative && (language.code == "fa" || language.code == "prs");
  std::string out = number(d.day, persian);
  out += ' ';
  out += (*months)[static_cast<size_t>(d.month - 1)];
  out += ' ';
  out += number(d.year, persian);
  return out;
}

}  // namespace balie::text
