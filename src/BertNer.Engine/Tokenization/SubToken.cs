namespace BertNer.Tokenization;

/// <summary>One WordPiece token of an input: its id, text, the word it belongs to and its span in the input.</summary>
/// <param name="Word">Index of the word (pre-split word, or basic-tokenizer word for raw text).</param>
/// <param name="Start">Start offset in the input string (UTF-16), inclusive.</param>
/// <param name="End">End offset in the input string, exclusive.</param>
/// <param name="IsFirstOfWord">True for the first sub-token of its word.</param>
public readonly record struct SubToken(int Id, string Text, int Word, int Start, int End, bool IsFirstOfWord);
