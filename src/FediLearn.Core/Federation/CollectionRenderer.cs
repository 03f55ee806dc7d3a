using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>OrderedCollection and its pages (federation.md item 7): paged with first/next, stable order, bounded size.</summary>
public static class CollectionRenderer
{
    public const int PageSize = 40;

    public static JObject Collection(string id, long totalItems)
    {
        var doc = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["id"] = id,
            ["type"] = "OrderedCollection",
            ["totalItems"] = totalItems,
        };
        if (totalItems > 0) doc["first"] = $"{id}?page=1";
        return doc;
    }

    public static JObject Page(string collectionId, int page, IEnumerable<JToken> items, bool hasNext)
    {
        var doc = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["id"] = $"{collectionId}?page={page}",
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = collectionId,
            ["orderedItems"] = new JArray(items),
        };
        if (hasNext) doc["next"] = $"{collectionId}?page={page + 1}";
        if (page > 1) doc["prev"] = $"{collectionId}?page={page - 1}";
        return doc;
    }
}
