using BertNer.Inference;
using BertNer.Reports;

namespace BertNer.Tests.Reports;

public class EntityHtmlTests
{
    private static NerEntity Entity(string input, string text, string type, int index = 0, int from = 0)
    {
        int start = input.IndexOf(text, from, StringComparison.Ordinal);
        return new NerEntity { Type = type, Text = text, Start = start, End = start + text.Length, Score = 0.9, InputIndex = index, Input = input };
    }

    [Fact]
    public void Marks_each_entity_in_place_with_its_type_and_escapes_the_text()
    {
        var input = "<b>Zoe</b> & John visited Paris.";
        var html = EntityHtml.Render(AnnotatedText.Group(new[] { Entity(input, "Zoe", "PER"), Entity(input, "Paris", "LOC") }), "Trip <notes>");
        Assert.Contains("&lt;b&gt;<mark class=\"entity\" style=\"background: #aa9cfc\" title=\"PER, score 0.900, characters 3..6\">Zoe<span class=\"label\">PER</span></mark>&lt;/b&gt; &amp; John visited ", html);
        Assert.Contains(">Paris<span class=\"label\">LOC</span></mark>.</div>", html);
        Assert.Contains("<title>Trip &lt;notes&gt;</title>", html);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Shows_texts_without_entities_when_given_all_texts()
    {
        var texts = new[] { "Zoe visited Paris.", "Nothing here.", "Paris again." };
        var entities = new[] { Entity(texts[0], "Zoe", "PER", 0), Entity(texts[2], "Paris", "LOC", 2) };
        var grouped = AnnotatedText.Group(entities, texts);
        Assert.Equal(texts, grouped.Select(t => t.Text));
        Assert.Equal(new[] { 1, 0, 1 }, grouped.Select(t => t.Entities.Count));
        var html = EntityHtml.Render(grouped);
        Assert.Contains("Nothing here.<span class=\"empty\">no entities</span>", html);
        Assert.Contains("3 texts, 2 entities", html);

        Assert.Equal(new[] { texts[0], texts[2] }, AnnotatedText.Group(entities).Select(t => t.Text)); // without the texts: only those with entities
    }

    [Fact]
    public void Keeps_apart_the_outputs_of_several_calls_and_shows_duplicates_once()
    {
        // Two calls, one text each: both count InputIndex from 0.
        var a = "Zoe visited Paris.";
        var b = "John visited Berlin.";
        var entities = new[] { Entity(a, "Zoe", "PER"), Entity(a, "Paris", "LOC"), Entity(b, "John", "PER"), Entity(b, "Berlin", "LOC"), Entity(a, "Zoe", "PER") };
        var grouped = AnnotatedText.Group(entities);
        Assert.Equal(new[] { a, b }, grouped.Select(t => t.Text));
        Assert.Equal(new[] { "Zoe", "Paris" }, grouped[0].Entities.Select(e => e.Text));

        // With -Text, each text takes the group with its input even when the index does not match.
        var withTexts = AnnotatedText.Group(entities, new[] { b, a, "extra" });
        Assert.Equal(new[] { "John", "Berlin" }, withTexts[0].Entities.Select(e => e.Text));
        Assert.Equal(new[] { "Zoe", "Paris" }, withTexts[1].Entities.Select(e => e.Text));
        Assert.Empty(withTexts[2].Entities);
    }

    [Fact]
    public void Sorts_entities_that_arrive_out_of_order()
    {
        var input = "Zoe visited Paris.";
        var grouped = AnnotatedText.Group(new[] { Entity(input, "Paris", "LOC"), Entity(input, "Zoe", "PER") });
        Assert.Equal(new[] { "Zoe", "Paris" }, grouped.Single().Entities.Select(e => e.Text));
    }

    [Fact]
    public void Refuses_overlapping_or_out_of_range_entities_with_a_message_that_names_them()
    {
        var input = "John Smith visited Paris.";
        var overlap = AnnotatedText.Group(new[] { Entity(input, "John Smith", "PER"), Entity(input, "Smith", "LOC") });
        var e = Assert.Throws<BertNerException>(() => EntityHtml.Render(overlap));
        Assert.Contains("'Smith' [5..10)", e.Message);
        Assert.Contains("overlap", e.Message);

        var outside = new NerEntity { Type = "PER", Text = "x", Start = 20, End = 40, InputIndex = 0, Input = "short" };
        e = Assert.Throws<BertNerException>(() => EntityHtml.Render(AnnotatedText.Group(new[] { outside })));
        Assert.Contains("[20..40)", e.Message);
        Assert.Contains("5 characters", e.Message);
    }

    [Fact]
    public void Colours_are_stable_per_type_and_shared_by_B_and_I_labels()
    {
        Assert.Equal("#aa9cfc", EntityColors.For("PER"));
        Assert.Equal(EntityColors.For("PER"), EntityColors.For("B-PER"));
        Assert.Equal(EntityColors.For("DISEASE"), EntityColors.For("I-DISEASE"));
        Assert.StartsWith("hsl(", EntityColors.For("DISEASE"));
        Assert.NotEqual(EntityColors.For("DISEASE"), EntityColors.For("CHEMICAL"));
    }
}
