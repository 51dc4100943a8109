// Text made safe for XML and HTML, the one escaping both the JUnit and the HTML writer use. Program text
// is full of markup characters (C++ names: `std::map<int, std::vector<T>>`, `operator&`), and a child's
// output tail may hold control bytes or be cut mid-character, which XML 1.0 cannot carry at all.
#pragma once

#include <string>
#include <string_view>

namespace gridlock::reports {

/// `text` as XML character data or an attribute value (either quote): & < > " ' as entities; bytes that
/// are not valid UTF-8, and characters XML 1.0 forbids (controls other than tab, newline and carriage
/// return; U+FFFE, U+FFFF), as U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace gridlock::reports
