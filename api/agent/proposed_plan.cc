// ProposedPlanParser: the line rules, the holding back, the merging of pieces.
#include "api/agent/proposed_plan.h"

namespace threadlog::agent {
namespace {

constexpr std::string_view kOpenTag = "<proposed_plan>";
constexpr std::string_view kCloseTag = "</proposed_plan>";

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kBlank = " \t\r";
  const size_t first = s.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlank) - first + 1);
}

bool MayBecomeTag(std::string_view line) {
  const std::string_view t = Trim(line);
  return t.empty() || kOpenTag.starts_with(t) || kCloseTag.starts_with(t);
}

}  // namespace

void ProposedPlanParser::Release(Piece::Kind kind, std::string_view text, std::vector<Piece>* out) {
  if (text.empty() && (kind == Piece::Kind::kText || kind == Piece::Kind::kPlan)) return;
  if (!out->empty() && out->back().kind == kind &&
      (kind == Piece::Kind::kText || kind == Piece::Kind::kPlan)) {
    out->back().text.append(text);
    return;
  }
  out->push_back(Piece{kind, std::string(text)});
}

void ProposedPlanParser::EndLine(bool with_newline, std::vector<Piece>* out) {
  const std::string_view tag = Trim(held_);
  if (!in_block_ && tag == kOpenTag) {
    in_block_ = true;
    Release(Piece::Kind::kPlanStart, "", out);
  } else if (in_block_ && tag == kCloseTag) {
    in_block_ = false;
    Release(Piece::Kind::kPlanEnd, "", out);
  } else {
    if (with_newline) held_.push_back('\n');
    Release(in_block_ ? Piece::Kind::kPlan : Piece::Kind::kText, held_, out);
  }
  held_.clear();
}

std::vector<ProposedPlanParser::Piece> ProposedPlanParser::Feed(std::string_view delta) {
  std::vector<Piece> out;
  while (!delta.empty()) {
    const size_t newline = delta.find('\n');
    const std::string_view part = delta.substr(0, newline);  // up to the line's end, if any
    if (line_is_text_) {
      Release(in_block_ ? Piece::Kind::kPlan : Piece::Kind::kText,
              newline == std::string_view::npos ? part : delta.substr(0, newline + 1), &out);
    } else {
      // Held back character by character until the line can no longer be a tag.
      size_t taken = 0;
      while (taken < part.size() && !line_is_text_) {
        held_.push_back(part[taken++]);
        if (!MayBecomeTag(held_)) line_is_text_ = true;
      }
      if (line_is_text_) {
        Release(in_block_ ? Piece::Kind::kPlan : Piece::Kind::kText, held_, &out);
        held_.clear();
        const std::string_view rest = newline == std::string_view::npos
                                          ? part.substr(taken)
                                          : delta.substr(taken, newline + 1 - taken);
        Release(in_block_ ? Piece::Kind::kPlan : Piece::Kind::kText, rest, &out);
      } else if (newline != std::string_view::npos) {
        EndLine(/*with_newline=*/true, &out);
      }
    }
    if (newline == std::string_view::npos) break;
    line_is_text_ = false;
    delta.remove_prefix(newline + 1);
  }
  return out;
}

std::vector<ProposedPlanParser::Piece> ProposedPlanParser::Finish() {
  std::vector<Piece> out;
  if (!held_.empty()) EndLine(/*with_newline=*/false, &out);
  if (in_block_) Release(Piece::Kind::kPlanEnd, "", &out);
  in_block_ = false;
  line_is_text_ = false;
  held_.clear();
  return out;
}

SplitPlanMessage SplitProposedPlan(std::string_view message) {
  ProposedPlanParser parser;
  std::vector<ProposedPlanParser::Piece> pieces = parser.Feed(message);
  for (ProposedPlanParser::Piece& p : parser.Finish()) pieces.push_back(std::move(p));
  SplitPlanMessage out;
  for (const ProposedPlanParser::Piece& p : pieces) {
    switch (p.kind) {
      case ProposedPlanParser::Piece::Kind::kText:
        out.visible += p.text;
        break;
      case ProposedPlanParser::Piece::Kind::kPlanStart:
        out.plan = std::string();  // a later block replaces an earlier one
        break;
      case ProposedPlanParser::Piece::Kind::kPlan:
        if (out.plan) *out.plan += p.text;
        break;
      case ProposedPlanParser::Piece::Kind::kPlanEnd:
        break;
    }
  }
  return out;
}

}  // namespace threadlog::agent
