// libcore/src/display_width.cpp: terminal columns of code points and UTF-8 text.
#include <doctest/doctest.h>

#include <string>

#include "bk/text.hpp"

using namespace bk;

TEST_CASE("codepoint_width: narrow, wide, zero") {
  CHECK(codepoint_width(U'a') == 1);
  CHECK(codepoint_width(U'é') == 1);
  CHECK(codepoint_width(U'Ж') == 1);
  CHECK(codepoint_width(U'€') == 1);
  CHECK(codepoint_width(U'…') == 1);
  CHECK(codepoint_width(U'東') == 2);      // CJK ideograph
  CHECK(codepoint_width(U'カ') == 2);      // katakana
  CHECK(codepoint_width(U'한') == 2);      // Hangul syllable
  CHECK(codepoint_width(U'Ａ') == 2);      // fullwidth A
  CHECK(codepoint_width(U'\u3000') == 2);  // ideographic space
  CHECK(codepoint_width(U'ｶ') == 1);       // halfwidth katakana
  CHECK(codepoint_width(0x1F600) == 2);    // 😀
  CHECK(codepoint_width(0x1F30D) == 2);    // 🌍
  CHECK(codepoint_width(0x20000) == 2);    // CJK extension B
  CHECK(codepoint_width(0x2FFFD) == 2);    // unassigned, but wide by default (plane 2)
  CHECK(codepoint_width(0x0301) == 0);     // combining acute accent
  CHECK(codepoint_width(0x20DD) == 0);     // combining enclosing circle (Me)
  CHECK(codepoint_width(0x200D) == 0);     // zero width joiner
  CHECK(codepoint_width(0xFE0F) == 0);     // variation selector 16
  CHECK(codepoint_width(0x1160) == 0);     // Hangul jungseong filler
  CHECK(codepoint_width(0x00AD) == 1);     // soft hyphen: shown
  CHECK(codepoint_width(U'\t') == 0);
  CHECK(codepoint_width(0x7F) == 0);
  CHECK(codepoint_width(0x9B) == 0);    // C1 control
  CHECK(codepoint_width(0x0378) == 1);  // unassigned, outside the CJK ranges
}

TEST_CASE("display_width: text") {
  CHECK(display_width("") == 0);
  CHECK(display_width("north") == 5);
  CHECK(display_width("東京") == 4);
  CHECK(display_width("東京 Tokyo") == 10);
  CHECK(display_width("e\u0301") == 1);                     // e + combining acute
  CHECK(display_width("\U0001F468\u200D\U0001F469") == 2);  // man ZWJ woman: one emoji
  CHECK(display_width("\U0001F469\u200D\U0001F52C!") == 3);  // woman scientist, then '!'
  CHECK(display_width("a\xff"
                      "b") == 3);             // invalid byte: U+FFFD, 1 column
  CHECK(display_width("\xe6\x9d") == 2);      // truncated sequence: U+FFFD per byte
  CHECK(display_width("\xed\xa0\x80") == 3);  // a surrogate: 3 x U+FFFD
}

TEST_CASE("next_codepoint: decodes and steps over bad bytes") {
  std::string s = "a\u00e9\u6771\U0001F600\xc0\xaf";
  size_t pos = 0;
  CHECK(next_codepoint(s, pos) == U'a');
  CHECK(next_codepoint(s, pos) == 0xE9);
  CHECK(next_codepoint(s, pos) == 0x6771);
  CHECK(next_codepoint(s, pos) == 0x1F600);
  CHECK(pos == 10);
  CHECK(next_codepoint(s, pos) == 0xFFFD);  // overlong
  CHECK(pos == 11);
}

TEST_CASE("fit_width: whole code points, marks with their base") {
  int64_t w = 0;
  std::string s = "東京abc";
  CHECK(fit_width(s, 3, w) == 3);  // 東 fits, 京 would make 4
  CHECK(w == 2);
  CHECK(fit_width(s, 4, w) == 6);
  CHECK(w == 4);
  CHECK(fit_width(s, 100, w) == s.size());
  CHECK(w == 7);
  std::string accent = "e\u0301x";
  CHECK(fit_width(accent, 1, w) == 3);  // the accent stays with the e
  CHECK(fit_width("abc", 0, w) == 0);
  std::string zwj = "\U0001F469\u200D\U0001F52Cx";  // woman scientist: 2 columns
  CHECK(fit_width(zwj, 2, w) == zwj.size() - 1);
  CHECK(w == 2);
}
