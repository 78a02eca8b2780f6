namespace BertNer.Data;

/// <summary>Why a label sequence cannot be read in its scheme: the token at <paramref name="Index"/> and what is wrong with it.</summary>
/// <param name="Misplaced">True when the tag is well formed but cannot follow the one before it in this scheme
/// (so how the scheme was chosen matters to the reader of the message).</param>
public readonly record struct TagProblem(int Index, string Message, bool Misplaced = false);
