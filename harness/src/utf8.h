// UTF-8 as reports need it: JSON and XML carry only valid UTF-8 (the JSON writer throws on anything
// else), and text cut to fit must not end inside a character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gridlock {

/// The length of the valid UTF-8 sequence `s` starts with, with its code point in `cp`; 0 if it is
/// none. Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
std::size_t utf8_sequence(std::string_view s, std::uint32_t& cp);
/// Whether all of `s` is valid UTF-8.
bool is_utf8(std::string_view s);
/// The longest start of `s` of at most `max` bytes that does not end inside a character.
std::string_view utf8_prefix(std::string_view s, std::size_t max);

}  // namespace gridlock
