// The gridlock commands, one file each; main.cpp dispatches on the first word. Each takes the words
// after its name and returns the process's exit code; a usage_error (arguments.h) means exit code 2.
#pragma once

#include <string>
#include <vector>

namespace gridlock::cli {

using arguments = std::vector<std::string>;

int run_command(const arguments& args);        // gridlock run
int exec_command(const arguments& args);       // gridlock exec
int list_command(const arguments& args);       // gridlock list
int reproduce_command(const arguments& args);  // gridlock reproduce
int merge_command(const arguments& args);      // gridlock merge
int baseline_command(const arguments& args);   // gridlock baseline
int trial_command(const arguments& args);      // gridlock __trial: one scenario in this process (runner only)

}  // namespace gridlock::cli
