// Adding missing keys to an existing config.toml without disturbing a byte of what is there.
#include "migrate/toml_merge.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "migrate/internal/absl_sv.h"
#include "migrate/internal/lines.h"

namespace threadlog::migrate {

using internal::SplitLines;
using internal::Sv;
namespace {

using Path = std::vector<std::string>;

std::string FormatString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\u%04X", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string FormatValue(const toml::node& node) {
  if (const auto* s = node.as_string()) return FormatString(s->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* i = node.as_integer()) return absl::StrCat(i->get());
  if (const auto* a = node.as_array()) {
    std::vector<std::string> parts;
    for (const toml::node& e : *a) parts.push_back(FormatValue(e));
    return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  if (const auto* t = node.as_table()) {
    std::vector<std::string> parts;
    for (auto&& [k, v] : *t)
      parts.push_back(absl::StrCat(FormatTomlKey(k.str()), " = ", FormatValue(v)));
    return parts.empty() ? "{}" : absl::StrCat("{ ", absl::StrJoin(parts, ", "), " }");
  }
  std::ostringstream out;  // floats, dates and times: toml++'s own formatting is valid TOML
  out << toml::toml_formatter(node);
  return out.str();
}

std::string FormatPath(const Path& path) {
  std::vector<std::string> parts;
  for (const std::string& p : path) parts.push_back(FormatTomlKey(p));
  return absl::StrJoin(parts, ".");
}

bool IsSection(const toml::node& node) { return node.is_table() && !node.as_table()->is_inline(); }

// Appends the sections of `table` (at `path`) to `sections`, each a block of lines without the
// separating blank line.
void RenderSections(const toml::table& table, const Path& path,
                    std::vector<std::string>* sections) {
  std::string body;
  bool has_subtables = false;
  for (auto&& [k, v] : table) {
    if (IsSection(v)) {
      has_subtables = true;
      continue;
    }
    absl::StrAppend(&body, FormatTomlKey(k.str()), " = ", FormatValue(v), "\n");
  }
  if (path.empty()) {
    if (!body.empty()) sections->push_back(body);
  } else if (!body.empty() || !has_subtables) {
    sections->push_back(absl::StrCat("[", FormatPath(path), "]\n", body));
  }
  for (auto&& [k, v] : table) {
    if (!IsSection(v)) continue;
    Path sub = path;
    sub.push_back(std::string(k.str()));
    RenderSections(*v.as_table(), sub, sections);
  }
}

std::string RenderAt(const toml::table& table, const Path& path) {
  std::vector<std::string> sections;
  RenderSections(table, path, &sections);
  return absl::StrJoin(sections, "\n");
}

// The paths to report for the new table `table` at `path`: the table itself, or, for a table
// that only groups sub-tables (like mcp_servers), each of those.
void AddedPaths(const toml::table& table, const Path& path, std::vector<std::string>* added) {
  bool only_sections = !table.empty();
  for (auto&& [k, v] : table) only_sections = only_sections && IsSection(v);
  if (!only_sections) {
    added->push_back(FormatPath(path));
    return;
  }
  for (auto&& [k, v] : table) {
    Path sub = path;
    sub.push_back(std::string(k.str()));
    AddedPaths(*v.as_table(), sub, added);
  }
}

// A table of the existing document that misses some keys of the incoming one.
struct Group {
  Path path;
  std::vector<std::pair<std::string, const toml::node*>> values;   // plain values to insert
  std::vector<std::pair<std::string, const toml::table*>> tables;  // whole tables to append
};

void Collect(const toml::table& existing, const toml::table& incoming, const Path& path,
             std::vector<Group>* groups, std::vector<std::string>* kept) {
  Group group{path, {}, {}};
  std::vector<std::pair<Path, std::pair<const toml::table*, const toml::table*>>> recurse;
  for (auto&& [k, v] : incoming) {
    Path sub = path;
    sub.push_back(std::string(k.str()));
    const toml::node* have = existing.get(k.str());
    if (have == nullptr) {
      if (IsSection(v)) {
        group.tables.emplace_back(std::string(k.str()), v.as_table());
      } else {
        group.values.emplace_back(std::string(k.str()), &v);
      }
    } else if (v.is_table() && have->is_table() && !have->as_table()->is_inline()) {
      recurse.push_back({sub, {have->as_table(), v.as_table()}});
    } else if (v.is_table() || have->is_table()) {
      kept->push_back(FormatPath(sub));  // another shape, or an inline table we cannot extend
    }
  }
  if (!group.values.empty() || !group.tables.empty()) groups->push_back(std::move(group));
  for (auto& [sub, pair] : recurse) Collect(*pair.first, *pair.second, sub, groups, kept);
}

toml::table* TableAt(toml::table& root, const Path& path) {
  toml::table* t = &root;
  for (const std::string& k : path) {
    t = t->get_as<toml::table>(k);
    if (t == nullptr) return nullptr;
  }
  return t;
}

// Inserts `block` (whole lines) before 0-based line `index` (== line count appends).
std::string InsertBeforeLine(std::string_view text, size_t index, std::string_view block) {
  std::vector<std::string_view> lines = SplitLines(text);
  size_t offset = 0;
  for (size_t i = 0; i < index && i < lines.size(); ++i) offset += lines[i].size();
  std::string out(text.substr(0, offset));
  if (!out.empty() && out.back() != '\n') out += '\n';
  absl::StrAppend(&out, Sv(block), Sv(text.substr(offset)));
  return out;
}

std::string AppendSection(std::string_view text, std::string_view section, bool crlf) {
  const char* eol = crlf ? "\r\n" : "\n";
  std::string out(text);
  if (!out.empty() && out.back() != '\n') out += eol;
  if (!absl::StripAsciiWhitespace(out).empty()) out += eol;
  return out + std::string(section);
}

}  // namespace

std::string FormatTomlKey(std::string_view key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : FormatString(key);
}

absl::StatusOr<toml::table> ParseExistingToml(std::string_view text) {
  if (absl::StripAsciiWhitespace(Sv(text)).empty()) return toml::table{};
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    return absl::FailedPreconditionError(
        absl::StrFormat("invalid existing config.toml: %s (line %d, column %d)", e.description(),
                        e.source().begin.line, e.source().begin.column));
  }
}

std::string RenderToml(const toml::table& table) { return RenderAt(table, {}); }

namespace {

bool Produces(const std::string& text, const toml::table& expected) {
  try {
    return toml::parse(text) == expected;
  } catch (const toml::parse_error&) {
    return false;
  }
}

std::string WithEol(std::string block, bool crlf) {
  if (!crlf) return block;
  std::string out;
  for (char c : block) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// 0-based line index before which new root keys go.
size_t RootInsertionLine(std::string_view text, const toml::table& doc, bool* before_header) {
  *before_header = false;
  size_t last_value_line = 0;  // 1-based; 0 = none
  for (auto&& [k, v] : doc) {
    if (!IsSection(v)) last_value_line = std::max<size_t>(last_value_line, v.source().end.line);
  }
  if (last_value_line > 0) return last_value_line;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(Sv(lines[i])), "[")) continue;
    size_t at = i;  // keep a comment block that introduces the header attached to it
    while (at > 0 && absl::StartsWith(absl::StripLeadingAsciiWhitespace(Sv(lines[at - 1])), "#"))
      --at;
    *before_header = true;
    return at;
  }
  return lines.size();
}

// 0-based line index right after the last plain value of `table` (or after its header).
size_t TableInsertionLine(const toml::table& table) {
  size_t line = table.source().begin.line;
  for (auto&& [k, v] : table) {
    if (!IsSection(v)) line = std::max<size_t>(line, v.source().end.line);
  }
  return line;
}

}  // namespace

absl::StatusOr<TomlMergeResult> InsertMissingKeys(std::string_view existing_text,
                                                  const toml::table& incoming) {
  absl::StatusOr<toml::table> existing = ParseExistingToml(existing_text);
  if (!existing.ok()) return existing.status();
  TomlMergeResult result;
  result.text = std::string(existing_text);
  std::vector<Group> groups;
  Collect(*existing, incoming, {}, &groups, &result.kept);
  const bool crlf = existing_text.find("\r\n") != std::string_view::npos;
  toml::table expected = *existing;
  for (const Group& group : groups) {
    if (!group.values.empty()) {
      toml::table values;
      for (const auto& [k, v] : group.values) {
        values.insert(k, *v);
        TableAt(expected, group.path)->insert(k, *v);
      }
      std::string block = WithEol(RenderAt(values, {}), crlf);
      // Candidate placements, best first; the first that parses to `expected` wins.
      std::vector<std::string> candidates;
      toml::table current = ParseExistingToml(result.text).value_or(toml::table{});
      if (group.path.empty()) {
        bool before_header = false;
        size_t line = RootInsertionLine(result.text, current, &before_header);
        candidates.push_back(InsertBeforeLine(result.text, line,
                                              before_header ? block + WithEol("\n", crlf) : block));
      } else {
        if (const toml::table* t = TableAt(current, group.path); t != nullptr) {
          candidates.push_back(InsertBeforeLine(result.text, TableInsertionLine(*t), block));
        }
        // The table may exist only implicitly (through [a.b] or dotted keys): give it a header.
        candidates.push_back(AppendSection(
            result.text, WithEol(absl::StrCat("[", FormatPath(group.path), "]\n"), crlf) + block,
            crlf));
      }
      auto it = std::find_if(candidates.begin(), candidates.end(),
                             [&](const std::string& c) { return Produces(c, expected); });
      if (it == candidates.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot add keys to [", FormatPath(group.path),
            "] of config.toml without rewriting existing lines; add them by hand:\n", block));
      }
      result.text = *it;
      for (const auto& [k, v] : group.values) {
        Path p = group.path;
        p.push_back(k);
        result.added.push_back(FormatPath(p));
      }
    }
    for (const auto& [k, t] : group.tables) {
      Path p = group.path;
      p.push_back(k);
      TableAt(expected, group.path)->insert(k, *t);
      std::string candidate = AppendSection(result.text, WithEol(RenderAt(*t, p), crlf), crlf);
      if (!Produces(candidate, expected)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot add [", FormatPath(p), "] to config.toml without rewriting existing lines"));
      }
      result.text = std::move(candidate);
      AddedPaths(*t, p, &result.added);
    }
  }
  return result;
}

}  // namespace threadlog::migrate
