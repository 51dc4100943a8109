// The source lines reports show under a frame: which files are read, and what of a line is kept.
#include "source_lines.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

class SourceLines : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("source_lines_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
  gridlock::source_lines lines_;
};

TEST_F(SourceLines, ALineWithoutTheWhiteSpaceAroundIt) {
  const std::string file = write("bank.cpp", "void transfer() {\n\t  std::lock_guard first(from.mu);  \r\n}\n");
  EXPECT_EQ(lines_.line(file, 2), "std::lock_guard first(from.mu);");
  EXPECT_EQ(lines_.line(file, 1), "void transfer() {");
  EXPECT_EQ(lines_.line(file, 0), "");
  EXPECT_EQ(lines_.line(file, 4), "") << "past the last line";
}

TEST_F(SourceLines, NothingForARelativePathAMissingFileOrAPipe) {
  write("bank.cpp", "int x;\n");
  const fs::path here = fs::current_path();
  fs::current_path(dir_);
  EXPECT_EQ(lines_.line("bank.cpp", 1), "") << "relative to another directory than the build's";
  fs::current_path(here);
  EXPECT_EQ(lines_.line((dir_ / "gone.cpp").string(), 1), "");
  const fs::path pipe = dir_ / "pipe.cpp";
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  EXPECT_EQ(lines_.line(pipe.string(), 1), "") << "and it did not block";
}

TEST_F(SourceLines, ALineThatIsNotUtf8IsNotShown) {
  const std::string file = write("latin1.cpp", "// caf\xe9\nint x; // caf\xc3\xa9\n// \xc0\xaf\n// \xed\xa0\x80\n");
  EXPECT_EQ(lines_.line(file, 1), "") << "a report's JSON must stay UTF-8";
  EXPECT_EQ(lines_.line(file, 2), "int x; // caf\xc3\xa9");
  // An overlong form and a UTF-16 surrogate look like UTF-8 byte by byte; the JSON writer throws on both.
  EXPECT_EQ(lines_.line(file, 3), "");
  EXPECT_EQ(lines_.line(file, 4), "");
}

TEST_F(SourceLines, ALongLineIsCutBetweenCharacters) {
  const std::string text = std::string(159, 'a') + "\xc3\xa9" + std::string(100, 'b');  // é across the cut
  const std::string file = write("long.cpp", text + "\n");
  EXPECT_EQ(lines_.line(file, 1), std::string(159, 'a') + " ...");
}

TEST_F(SourceLines, AFileIsReadOnce) {
  const std::string file = write("edited.cpp", "first\n");
  EXPECT_EQ(lines_.line(file, 1), "first");
  write("edited.cpp", "second\n");
  EXPECT_EQ(lines_.line(file, 1), "first") << "one report reads one version of each file";
}

}  // namespace
