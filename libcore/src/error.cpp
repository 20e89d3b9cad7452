#include "bk/error.hpp"

#include <unistd.h>

namespace bk {

void print_error(const std::string& tool, const std::string& text) {
  std::string line = tool + ": error: " + text + "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

void print_note(const std::string& tool, const std::string& text) {
  std::string line = tool + ": note: " + text + "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace bk
