namespace BertNer.Data;

/// <summary>Why a label sequence cannot be read in its scheme: the token at <paramref name="Index"/> and what is wrong with it.</summary>
public readonly record struct TagProblem(int Index, string Message);
