#include "common/text.h"

#include "absl/strings/str_cat.h"

namespace qms {

void CheckText(FieldViolations& violations, std::string field, absl::string_view value, size_t max,
               bool required) {
  if (required && value.empty()) {
    violations.Add(std::move(field), "is required");
  } else if (value.size() > max) {
    violations.Add(std::move(field), absl::StrCat("is longer than ", max, " bytes"));
  }
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.4em;margin-bottom:0}h2{font-size:1.1em;border-bottom:1px solid #999;"
    "margin-top:1.6em}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee;width:22%}.muted{color:#777}";

}  // namespace

std::string HtmlPageStart(absl::string_view title, absl::string_view subtitle_html) {
  return absl::StrCat("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
                      HtmlEscape(title), "</title><style>", kStyle, "</style></head><body><h1>",
                      HtmlEscape(title), "</h1><p class=\"muted\">", subtitle_html, "</p>");
}

std::string HtmlRow(absl::string_view label, absl::string_view value) {
  return absl::StrCat("<tr><th>", HtmlEscape(label), "</th><td>", HtmlEscape(value), "</td></tr>");
}

std::string LocalTime(absl::Time time, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", time, zone);
}

}  // namespace qms
