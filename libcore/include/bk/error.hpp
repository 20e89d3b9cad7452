// One error type for the whole toolkit, and one message format.
//
// Library code reports a problem by throwing bk::Error; only a tool's main (through
// bk::run_tool) decides how to print it and which exit status it maps to:
//   Kind::Data  -> exit 1 (bad input, I/O failure)
//   Kind::Usage -> exit 2 (bad flags, bad flag combination)
// what() renders "FILE:LINE: message (hint)"; the tool prefixes "bk-cat: error: ".
#pragma once

#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <utility>

namespace bk {

// Concatenates anything streamable: concat("row ", 3, " of ", name).
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

class Error : public std::exception {
 public:
  enum class Kind { Data, Usage };

  explicit Error(std::string message, std::string hint = {}, Kind kind = Kind::Data)
      : kind_(kind), message_(std::move(message)), hint_(std::move(hint)) {
    render();
  }

  static Error usage(std::string message, std::string hint = {}) {
    return Error(std::move(message), std::move(hint), Kind::Usage);
  }

  // Attaches the place: a file (or "-" for stdin) and a 1-based line (0: none).
  Error& at(std::string file, int64_t line = 0) & {
    file_ = std::move(file);
    line_ = line;
    render();
    return *this;
  }
  Error&& at(std::string file, int64_t line = 0) && { return std::move(at(std::move(file), line)); }

  // Adds `delta` to the line: readers report lines relative to a block, the
  // in-order stage of the pipeline knows where the block started.
  void shift_line(int64_t delta) {
    if (line_ > 0) {
      line_ += delta;
      render();
    }
  }

  // Extra lines shown under the message (an expression with a caret under the spot).
  Error& detail(std::string lines) & {
    detail_ = std::move(lines);
    render();
    return *this;
  }
  Error&& detail(std::string lines) && { return std::move(detail(std::move(lines))); }

  Kind kind() const { return kind_; }
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  void render() {
    text_.clear();
    if (!file_.empty()) {
      text_ += file_;
      if (line_ > 0) {
        text_ += ':';
        text_ += std::to_string(line_);
      }
      text_ += ": ";
    }
    text_ += message_;
    if (!hint_.empty()) {
      text_ += " (";
      text_ += hint_;
      text_ += ')';
    }
    if (!detail_.empty()) {
      text_ += '\n';
      text_ += detail_;
    }
  }

  Kind kind_;
  std::string file_;
  int64_t line_ = 0;
  std::string message_;
  std::string hint_;
  std::string detail_;
  std::string text_;
};

// Ends the tool with this status; whatever had to be said was said already.
struct ExitStatus : std::exception {
  explicit ExitStatus(int c) : code(c) {}
  int code;
  const char* what() const noexcept override { return "exit"; }
};

// Writes "TOOL: error: TEXT" as one line on stderr (one write, so threads never interleave).
void print_error(const std::string& tool, const std::string& text);
// Writes "TOOL: note: TEXT": something worth knowing that is no error.
void print_note(const std::string& tool, const std::string& text);

// Thrown when the reader of our output went away (`| head`): the tool ends quietly, status 0.
struct BrokenPipe : std::exception {
  const char* what() const noexcept override { return "broken pipe"; }
};

}  // namespace bk
