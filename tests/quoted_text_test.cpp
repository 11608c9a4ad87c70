// quoted_text: file content inside an error message stays one readable line.
#include <gtest/gtest.h>

#include "core/quoted_text.h"

namespace hg {
namespace {

TEST(QuotedText, EscapesControlBytesAndBackslashes) {
  EXPECT_EQ(quoted_text("plain text, 'quoted'"), "plain text, 'quoted'");
  EXPECT_EQ(quoted_text("two\nlines\r\tand\\"), "two\\nlines\\r\\tand\\\\");
  EXPECT_EQ(quoted_text(std::string("nul\0bell\a esc\x1b[2J del\x7f", 22)),
            "nul\\x00bell\\x07 esc\\x1b[2J del\\x7f");
  // Bytes above 0x7F pass unchanged: UTF-8 file names stay readable.
  EXPECT_EQ(quoted_text("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(QuotedText, CutsLongTextAndSaysHowLongItWas) {
  const std::string long_text(1000, 'x');
  EXPECT_EQ(quoted_text(long_text, 10), "xxxxxxxxxx... (1000 bytes)");
  EXPECT_EQ(quoted_text(long_text).size(), 160 + std::string("... (1000 bytes)").size());
  EXPECT_EQ(quoted_text("0123456789", 10), "0123456789");
  // The cut counts bytes of the original, before escaping.
  EXPECT_EQ(quoted_text("\n\n\n\n", 2), "\\n\\n... (4 bytes)");
}

}  // namespace
}  // namespace hg
