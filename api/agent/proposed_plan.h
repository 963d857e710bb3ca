// ProposedPlanParser: the <proposed_plan> blocks of a plan-mode agent message, told apart from
// its visible text while the message streams, line by line, as Codex 0.117.0 tells them apart.
#ifndef THREADLOG_API_AGENT_PROPOSED_PLAN_H_
#define THREADLOG_API_AGENT_PROPOSED_PLAN_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threadlog::agent {

// A tag is a whole line that, trimmed of spaces, tabs and CR at both ends, is exactly
// `<proposed_plan>` (opens a block when none is open) or `</proposed_plan>` (closes the open
// one); the tag line goes with its newline. Anything else is text, kept verbatim, of the
// block when one is open and visible otherwise. While the start of a line may still turn out
// to be a tag (trimmed, it is empty or a prefix of one), it is held back; the rest of a line
// that cannot be a tag streams through as it comes. Not thread-safe.
class ProposedPlanParser {
 public:
  struct Piece {
    enum class Kind { kText, kPlanStart, kPlan, kPlanEnd };
    Kind kind;
    std::string text;  // kText and kPlan only
    bool operator==(const Piece&) const = default;
  };

  // One delta of the message. Returns what it released, in order, consecutive pieces of the
  // same kind merged (so a delta gives at most one text piece per run).
  std::vector<Piece> Feed(std::string_view delta);
  // The end of the message: a held partial line is judged as a whole line, and an open block is
  // closed (kPlanEnd). The parser is then ready for another message.
  std::vector<Piece> Finish();

 private:
  void Release(Piece::Kind kind, std::string_view text, std::vector<Piece>* out);
  void EndLine(bool with_newline, std::vector<Piece>* out);

  bool in_block_ = false;
  bool line_is_text_ = false;  // the current line cannot be a tag: it streams through
  std::string held_;           // the current line's start, while it may still be a tag
};

// A completed message split the way the streaming parser splits it: its visible text (the tags
// and blocks taken out) and, when a block opened, the text of the last block (Codex 0.117.0
// completes the plan item with the last block only).
struct SplitPlanMessage {
  std::string visible;
  std::optional<std::string> plan;
};
SplitPlanMessage SplitProposedPlan(std::string_view message);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_PROPOSED_PLAN_H_
