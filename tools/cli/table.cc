#include "tools/cli/table.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace qms::cli {
namespace {

constexpr size_t kMaxCell = 48;

// The value at `path`; through a list, the list of the values of its elements.
Json Lookup(const Json& value, absl::string_view path) {
  if (path.empty()) return value;
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& element : value) {
      Json v = Lookup(element, path);
      if (!v.is_null()) out.push_back(std::move(v));
    }
    return out;
  }
  if (!value.is_object()) return nullptr;
  const size_t dot = path.find('.');
  const std::string key(path.substr(0, dot));
  auto it = value.find(key);
  if (it == value.end()) return nullptr;
  return Lookup(*it, dot == absl::string_view::npos ? "" : path.substr(dot + 1));
}

// A proto3 JSON timestamp ("2026-11-03T08:12:00.123Z") as "2026-11-03 08:12".
std::string Text(const std::string& s) {
  absl::Time t;
  std::string error;
  if (s.size() >= 20 && s[10] == 'T' && absl::EndsWith(s, "Z") &&
      absl::ParseTime(absl::RFC3339_full, s, &t, &error)) {
    return absl::FormatTime("%Y-%m-%d %H:%M", t, absl::UTCTimeZone());
  }
  return s;
}

std::string Text(const Json& value);

std::string Joined(const Json& value, const char* separator) {
  std::vector<std::string> parts;
  for (const auto& element : value) {
    std::string text = Text(element);
    if (!text.empty()) parts.push_back(std::move(text));
  }
  return absl::StrJoin(parts, separator);
}

std::string Text(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return Text(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array()) return Joined(value, value.empty() || value[0].is_object() ? "; " : ", ");
  if (value.is_object()) return Joined(value, " · ");
  return value.dump();
}

// The UTF-8 character starting at s[i]: its bytes and the columns a terminal gives it (East
// Asian wide characters, and most symbols beyond U+0800, take two).
struct Glyph {
  size_t bytes;
  size_t columns;
};
Glyph GlyphAt(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t bytes = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return {bytes, bytes >= 3 ? size_t{2} : size_t{1}};
}

size_t Width(absl::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const Glyph g = GlyphAt(s, i);
    width += g.columns;
    i += g.bytes;
  }
  return width;
}

// `s` cut to at most `limit` columns on a character boundary, "…" marking the cut.
std::string Cut(const std::string& s, size_t limit) {
  if (Width(s) <= limit) return s;
  size_t width = 0;
  size_t i = 0;
  while (i < s.size()) {
    const Glyph g = GlyphAt(s, i);
    if (width + g.columns > limit - 1) break;
    width += g.columns;
    i += g.bytes;
  }
  return s.substr(0, i) + "…";
}

void Pad(std::ostream& out, const std::string& s, size_t width) {
  out << s;
  for (size_t w = Width(s); w < width; ++w) out << ' ';
}

}  // namespace

std::string Cell(const Json& record, const std::string& path) {
  const bool last_segment = absl::StartsWith(path, "@");
  std::string text = Text(Lookup(record, last_segment ? path.substr(1) : path));
  if (last_segment && text.find('/') != std::string::npos) text = text.substr(text.rfind('/') + 1);
  // One line per cell: the newlines of free text become spaces.
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

void PrintTable(std::ostream& out, const Json& records, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> widths;
  for (const Column& column : columns) widths.push_back(Width(column.header));
  for (const Json& record : records) {
    std::vector<std::string>& row = rows.emplace_back();
    for (size_t i = 0; i < columns.size(); ++i) {
      row.push_back(Cut(Cell(record, columns[i].path), kMaxCell));
      widths[i] = std::max(widths[i], Width(row.back()));
    }
  }
  auto print = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i + 1 == cells.size()) {
        out << cells[i];
      } else {
        Pad(out, cells[i], widths[i] + 2);
      }
    }
    out << "\n";
  };
  std::vector<std::string> headers;
  for (const Column& column : columns) headers.push_back(column.header);
  print(headers);
  for (const auto& row : rows) print(row);
}

void PrintRecord(std::ostream& out, const Json& record, const std::vector<Column>& fields) {
  size_t width = 0;
  for (const Column& field : fields) width = std::max(width, Width(field.header));
  for (const Column& field : fields) {
    const bool last_segment = absl::StartsWith(field.path, "@");
    const Json value = Lookup(record, last_segment ? field.path.substr(1) : field.path);
    if (value.is_array() && !value.empty() && value[0].is_object()) {
      out << field.header << ":\n";
      for (const Json& element : value) out << "  - " << Text(element) << "\n";
      continue;
    }
    const std::string text = Cell(record, field.path);
    if (text.empty()) continue;
    Pad(out, field.header + ":", width + 2);
    out << text << "\n";
  }
}

}  // namespace qms::cli
