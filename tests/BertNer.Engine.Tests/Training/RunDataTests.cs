using BertNer.Data;
using BertNer.Training;
using BertNer.Tests.Support;

namespace BertNer.Tests.Training;

/// <summary>Issue 16.2/16.3: sentences given as objects are recorded by a path that reads back exactly them.</summary>
public class RunDataTests
{
    private static string Conll(TempDir dir)
    {
        File.WriteAllText(dir["d.txt"], "-DOCSTART- O\n\nJohn B-PER\nvisited O\nParis B-LOC\n\nZoe B-PER\nleft O\n\nBerlin B-LOC\n");
        return dir["d.txt"];
    }

    [Fact]
    public void A_whole_file_is_recorded_by_its_path()
    {
        using var dir = new TempDir();
        var file = Conll(dir);
        var all = ConllReader.ReadFile(file).ToList();
        Assert.Equal(file, RunData.WholeFile(all));
        var rec = RunData.Record(all, dir["run"], RunData.TrainFile);
        Assert.Equal(file, rec.Path);
        Assert.False(rec.IsCopy);
        Assert.False(File.Exists(Path.Combine(dir["run"], RunData.TrainFile)));
    }

    [Fact]
    public void A_selection_or_changed_sentences_are_copied_into_the_run_folder_and_read_back_the_same()
    {
        using var dir = new TempDir();
        var file = Conll(dir);
        var all = ConllReader.ReadFile(file).ToList();
        Assert.Null(RunData.WholeFile(all.Take(2).ToList()));          // a subset
        Assert.Null(RunData.WholeFile(all.Skip(1).ToList()));          // not from the start
        Assert.Null(RunData.WholeFile(new[] { all[1], all[0], all[2] })); // reordered
        var edited = all.Select(s => new NerSentence(s.Tokens, s.Labels.Select(_ => "O").ToArray()) { SourceFile = s.SourceFile, SentenceIndex = s.SentenceIndex }).ToList();
        Assert.Null(RunData.WholeFile(edited));                       // same positions, other labels
        var memory = new[] { new NerSentence(new[] { "Ann" }, new[] { "B-PER" }) };
        Assert.Null(RunData.WholeFile(memory));                       // made in memory

        Directory.CreateDirectory(dir["run"]);
        var subset = all.Take(2).Select(s => { s.PredictedLabels = s.Labels.Select(_ => "O").ToArray(); return s; }).ToList();
        var rec = RunData.Record(subset, dir["run"], RunData.TrainFile);
        Assert.True(rec.IsCopy);
        Assert.Equal(Path.Combine(dir["run"], RunData.TrainFile), rec.Path);
        var back = ConllReader.ReadFile(rec.Path).ToList();
        Assert.Equal(subset.Select(s => string.Join(" ", s.Tokens)), back.Select(s => string.Join(" ", s.Tokens)));
        Assert.Equal(subset.Select(s => string.Join(" ", s.Labels)), back.Select(s => string.Join(" ", s.Labels))); // gold, not the predicted column
    }
}
