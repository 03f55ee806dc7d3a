using FediLearn.ActivityPub.Json;
using Newtonsoft.Json.Linq;

namespace FediLearn.ActivityPub.Tests.Json;

public class ThreadStringBuilderTests
{
    [Fact]
    public void A_released_builder_comes_back_empty_and_a_nested_one_is_another()
    {
        var first = ThreadStringBuilder.Acquire();
        first.Append("outer");
        var nested = ThreadStringBuilder.Acquire();
        Assert.NotSame(first, nested);
        nested.Append("inner");
        Assert.Equal("inner", ThreadStringBuilder.Release(nested));
        Assert.Equal("outer", ThreadStringBuilder.Release(first));

        var again = ThreadStringBuilder.Acquire();
        Assert.Same(first, again);
        Assert.Equal(0, again.Length);
        ThreadStringBuilder.Release(again);
    }

    [Fact]
    public void A_builder_that_grew_past_the_limit_is_not_kept()
    {
        var large = ThreadStringBuilder.Acquire();
        large.Append('x', ThreadStringBuilder.MaxKeptChars + 1);
        Assert.Equal(ThreadStringBuilder.MaxKeptChars + 1, ThreadStringBuilder.Release(large).Length);
        var next = ThreadStringBuilder.Acquire();
        Assert.NotSame(large, next);
        ThreadStringBuilder.Release(next);
    }

    [Fact]
    public void Serializing_a_long_document_then_short_ones_leaves_nothing_behind()
    {
        var longDoc = new JObject { ["id"] = "https://m.example/1", ["content"] = new string('ü', 5_000) };
        var shortDoc = new JObject { ["id"] = "a" };
        Assert.Equal(longDoc.ToString(Newtonsoft.Json.Formatting.None), ActivityJson.Serialize(longDoc));
        Assert.Equal("""{"id":"a"}""", ActivityJson.Serialize(shortDoc));
        Assert.Equal("""{"id":"a"}""", ActivityJson.Serialize(shortDoc));
    }
}
