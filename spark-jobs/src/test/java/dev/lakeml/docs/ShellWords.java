package dev.lakeml.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one shell command line from the docs into words, the way a reader (and mostly bash) would:
 * quotes, backslash escapes, {@code $(...)}, a {@code #} comment, and the operators {@code &&},
 * {@code ||}, {@code ;} and a {@code |} standing alone between spaces (which the docs also use for
 * "or": {@code lakeml tables list | describe T}). A {@code |} inside a word ({@code
 * [VERSION|ALIAS]}) stays part of it; {@code <a placeholder>} is one word.
 */
final class ShellWords {
  private ShellWords() {}

  /** A word; {@code quoted} when any part of it was in quotes or a substitution. */
  record Word(String text, boolean quoted, boolean operator) {
    static Word operator(String text) {
      return new Word(text, false, true);
    }
  }

  static List<Word> split(String line) {
    List<Word> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean quoted = false;
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(new Word(word.toString(), quoted, false));
          word.setLength(0);
          inWord = false;
          quoted = false;
        }
        i++;
        continue;
      }
      if (!inWord) {
        if (c == '#') {
          break; // a comment to the end of the line
        }
        String op = operatorAt(line, i);
        if (op != null) {
          words.add(Word.operator(op));
          i += op.length();
          continue;
        }
      }
      inWord = true;
      if (c == ';' || (c == '&' && i + 1 < n && line.charAt(i + 1) == '&')) {
        if (word.length() > 0 || quoted) {
          words.add(new Word(word.toString(), quoted, false));
        }
        word.setLength(0);
        inWord = false;
        quoted = false;
        String op = c == ';' ? ";" : "&&";
        words.add(Word.operator(op));
        i += op.length();
        continue;
      }
      if (c == '\\' && i + 1 < n) {
        word.append(line.charAt(i + 1));
        i += 2;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        end = end < 0 ? n : end;
        word.append(line, i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (c == '"') {
        int j = i + 1;
        while (j < n && line.charAt(j) != '"') {
          if (line.charAt(j) == '\\' && j + 1 < n) {
            j++;
          }
          word.append(line.charAt(j));
          j++;
        }
        quoted = true;
        i = j + 1;
      } else if (c == '$' && i + 1 < n && line.charAt(i + 1) == '(') {
        int depth = 0;
        int j = i + 1;
        for (; j < n; j++) {
          char d = line.charAt(j);
          if (d == '(') {
            depth++;
          } else if (d == ')' && --depth == 0) {
            break;
          }
        }
        word.append(line, i, Math.min(j + 1, n));
        quoted = true;
        i = j + 1;
      } else {
        word.append(c);
        i++;
      }
    }
    if (inWord) {
      words.add(new Word(word.toString(), quoted, false));
    }
    return joinPlaceholders(words);
  }

  private static String operatorAt(String line, int i) {
    for (String op : List.of("&&", "||", "|", ";")) {
      int end = i + op.length();
      if (line.startsWith(op, i) && (end == line.length() || line.charAt(end) == ' ')) {
        return op;
      }
    }
    return null;
  }

  /** {@code <build id>} written with spaces inside is one placeholder. */
  private static List<Word> joinPlaceholders(List<Word> words) {
    List<Word> out = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      Word w = words.get(i);
      if (!w.quoted() && !w.operator() && w.text().matches("<[A-Za-z][^<>]*")) {
        StringBuilder joined = new StringBuilder(w.text());
        int j = i + 1;
        while (j < words.size() && !words.get(j).operator() && !joined.toString().contains(">")) {
          joined.append(' ').append(words.get(j).text());
          j++;
        }
        if (joined.toString().contains(">")) {
          out.add(new Word(joined.toString(), false, false));
          i = j - 1;
          continue;
        }
      }
      out.add(w);
    }
    return out;
  }
}
