import ArabicText
import Foundation
import PropertyBased
import Testing

/// Lists ordered by hand the way an Arabic reader (and an Arabic dictionary) orders them.
@Suite struct ArabicOrder {
    static let handOrdered = [
        "١٥ أيار",  // digits before letters; Arabic-Indic = ASCII
        "الاتحاد العام لعمال البناء",  // ال ignored: اتحاد عام
        "اتحاد الكتّاب الكرد",  // اتحاد كتاب: ع < ك in the second word
        "إدارة الأزمات",  // إ folds to ا: ادارة
        "أطباء بلا حدود",  // أ folds to ا: اطباء
        "آفاق للتنمية",  // آ folds to ا: افاق
        "تجمّـع الفنانين",  // shadda and tatweel ignored: تجمع فنانين
        "تجمع المهندسين",
        "التجمع الوطني للشباب",  // among the تجمع entries, not the alefs
        "الحراك المدني",  // sorts as حراك
        "رابطة الكتّاب",
        "رابطه المهجرين",  // ة weighs as ه; then كتاب < مهجرين
        "کانون للثقافة",  // Persian ک as ك
        "مبادرة نساء من أجل السلام",
        "مجلس عشائر حوران",
        "المجلس المحلي لمدينة دوما",  // مجلس محلي after مجلس عشائر
        "مؤسسة ١٥ آذار",  // ؤ weighs as و: after مجلس, not before مبادرة
        "مؤسسة صوت الحرية",  // 15 < صوت
        "نقابة المعلمين",
        "یاسمین للإغاثة",  // Persian ی as ي
        "Amnesty International",  // Latin after Arabic
        "Ärzte ohne Grenzen",  // accents and case ignored: arzte
        "Zeitoun Association",
    ]

    @Test func sortReproducesTheHandOrder() {
        for seed in 0..<20 {
            var rng = SystemRandomNumberGenerator()
            let shuffled = seed == 0 ? Self.handOrdered.reversed() : Self.handOrdered.shuffled(using: &rng)
            #expect(ArabicText.sorted(Array(shuffled)) == Self.handOrdered)
        }
    }

    @Test func theArticleIsIgnoredOnlyWhereItIsTheArticle() {
        // ألمانيا carries a hamza: its ال is not the article, so it stays among the alefs.
        #expect(ArabicText.sorted(["لجنة الأهالي", "ألمانيا الحرة"]) == ["ألمانيا الحرة", "لجنة الأهالي"])
        // الحراك is حراك: after باب, before خيمة.
        #expect(ArabicText.sorted(["خيمة", "الحراك", "باب"]) == ["باب", "الحراك", "خيمة"])
        // Too short to be the article plus a word.
        #expect(CollationKey("ال").weights.count == 2)
    }

    @Test func wordsCompareWordByWord() {
        #expect(ArabicText.sorted(["تجمعات", "تجمع الوطني", "تجمع"]) == ["تجمع", "تجمع الوطني", "تجمعات"])
    }

    @Test func tiesFallBackToTheFullTextSoTheOrderIsStable() {
        let variants = ["نقابة المعلمين", "نقابة المعلّمين", "نقابة المعلـمين", "نقابة  المعلمين"]
        let once = ArabicText.sorted(variants)
        #expect(ArabicText.sorted(once.reversed()) == once)
        #expect(Set(variants.map { CollationKey($0).weights }).count == 1)
        #expect(Set(variants.map(CollationKey.init)).count == 4)
    }

    /// Stored keys must not change when their writing gets faster: names already in a
    /// database are ordered by them.
    @Test func storageKeysAreTheZeroPaddedHexOfTheWeights() {
        let names = Self.handOrdered + ["𝔸𝕓𝕔 ١٢٣", "\u{10FFFD}ا", "Zürich 😀 ألمانيا", ""]
        for name in names {
            let key = CollationKey(name)
            let reference = key.weights.map { w -> String in
                let hex = String(w, radix: 16)
                return String(repeating: "0", count: max(0, 5 - hex.count)) + hex
            }.joined()
            #expect(key.storageKey == reference, "\(name)")
        }
    }

    @Test func storageKeysOrderLikeTheKeys() {
        let keys = Self.handOrdered.map(CollationKey.init)
        let byStorage = keys.sorted { $0.storageKey < $1.storageKey }.map(\.text)
        #expect(byStorage == Self.handOrdered)
    }

    /// Where this order differs from ICU's Arabic collation (Foundation's locale-aware
    /// compare on Linux), and why we differ on purpose.
    @Test func differencesFromICUArabicCollationAreDeliberate() {
        let ar = Locale(identifier: "ar")
        func icu(_ names: [String]) -> [String] {
            names.sorted { $0.compare($1, options: [], range: nil, locale: ar) == .orderedAscending }
        }
        // 1. ICU files every name with the article under alef; readers of a signatory
        //    list look for الحراك under ح, as dictionaries and indexes do.
        #expect(icu(["باب", "الحراك"]) == ["الحراك", "باب"])
        #expect(ArabicText.sorted(["باب", "الحراك"]) == ["باب", "الحراك"])
        // 2. ICU sorts the hamza carrier ؤ as a letter of its own before ب, so مؤسسة
        //    lands before مبادرة; dictionaries file ؤ with و.
        #expect(icu(["مبادرة", "مؤسسة"]) == ["مؤسسة", "مبادرة"])
        #expect(ArabicText.sorted(["مبادرة", "مؤسسة"]) == ["مبادرة", "مؤسسة"])
        // 3. ICU treats the Persian-keyboard ک as another letter, after every ك; the
        //    same name typed on a Persian keyboard must sort where the Arabic one does.
        #expect(icu(["کانون", "كبير"]) == ["كبير", "کانون"])
        #expect(ArabicText.sorted(["کانون", "كبير"]) == ["کانون", "كبير"])
        // 4. Both put Latin names after Arabic ones (ICU's Arabic tailoring reorders the
        //    Arabic script first), so Latin exile names agree.
        #expect(icu(["Amnesty", "نقابة"]) == ["نقابة", "Amnesty"])
        #expect(ArabicText.sorted(["Amnesty", "نقابة"]) == ["نقابة", "Amnesty"])
        // Where no such rule applies, both agree.
        let plain = ["باب", "تجمع", "حراك", "رابطة", "نقابة"]
        #expect(icu(plain.reversed()) == plain)
        #expect(ArabicText.sorted(plain.reversed()) == plain)
    }
}

@Suite struct NormalizationRules {
    @Test func foldsWhatTheDesignLists() {
        #expect(ArabicText.normalize("  أَحْمَد   إِدلب آذار ٱلقدس ") == "احمد ادلب اذار القدس")
        #expect(ArabicText.normalize("تجمّـــع") == "تجمع")
        #expect(ArabicText.normalize("کانون یاسمین") == "كانون ياسمين")
        #expect(ArabicText.normalize("١٥ ۲۰") == "15 20")
        #expect(ArabicText.normalize("Ärzte OHNE Grenzen") == "arzte ohne grenzen")
        // Presentation forms (ligatures, isolated/final forms) fold by NFKC.
        #expect(ArabicText.normalize("\u{FEFB}") == "لا")
        #expect(ArabicText.normalize("\u{FE8D}\u{FEDF}\u{FEE0}\u{FEEA}") == ArabicText.normalize("الله"))
        // Decomposed hamza (alef + combining hamza) equals the precomposed letter.
        #expect(ArabicText.normalize("\u{0627}\u{0654}حمد") == ArabicText.normalize("أحمد"))
        // Bidi controls and zero-width characters vanish.
        #expect(ArabicText.normalize("نقابة\u{200F}\u{202E}\u{2066} المعلمين\u{200B}") == "نقابة المعلمين")
    }

    @Test func bidiControlsAreDetectedAndStrippedForDisplay() {
        #expect(ArabicText.containsInvisibleFormatting("a\u{202E}b"))
        #expect(!ArabicText.containsInvisibleFormatting("نقابةُ المعلّمين"))
        #expect(ArabicText.stripInvisibleFormatting(" \u{2067}نقابة\u{2069} ") == "نقابة")
    }

    /// A name with a right-to-left override would display reversed and could pose as
    /// another entry; it must sort and display as its visible letters.
    @Test func aSpoofingNameCannotReorderTheList() {
        let spoof = "\u{202E}ةباقن"  // shows as "نقابة" visually, letters reversed
        let list = ArabicText.sorted(["رابطة", spoof, "اتحاد"])
        // Ordered by its real first letter ة (weighing as ه): after رابطة, not where the
        // reversed display would put it.
        #expect(list == ["اتحاد", "رابطة", spoof])
        #expect(CollationKey(spoof).weights == CollationKey("ةباقن").weights)
    }
}

/// Generators of realistic names for the properties.
enum NameGen {
    static let words = [
        "نقابة", "الاتحاد", "اتحاد", "رابطة", "رابطه", "مجلس", "المجلس", "جمعية", "مؤسسة", "أطباء",
        "إدلب", "ادلب", "آذار", "المعلمين", "العمال", "حلب", "سورية", "سوريا", "ملتقى", "ملتقي",
        "کانون", "١٥", "15", "(نم)", "Union", "Ärzte", "الشمالي", "الجنوبي", "تجمع", "للتنمية",
    ]
    static let marks: [Character] = ["\u{064E}", "\u{064F}", "\u{0650}", "\u{0651}", "\u{0652}", "\u{0640}", "\u{0670}"]
    static let name = Gen.element(of: words).array(of: 1...4).map { $0.compactMap { $0 }.joined(separator: " ") }
    static let raw = Gen.unicodeScalar(in: "\u{0600}"..."\u{06FF}").array(of: 0...12)
        .map { String(String.UnicodeScalarView($0)) }
}

@Suite struct OrderProperties {
    @Test func theOrderIsTotalAntisymmetricAndTransitive() async {
        await propertyCheck(count: 500, input: NameGen.name, NameGen.name, NameGen.name) { a, b, c in
            let (ka, kb, kc) = (CollationKey(a), CollationKey(b), CollationKey(c))
            let relations = [ka < kb, kb < ka, ka == kb].filter { $0 }.count
            #expect(relations == 1)
            if ka < kb && kb < kc { #expect(ka < kc) }
            if ka == kb { #expect(a.unicodeScalars.elementsEqual(b.unicodeScalars)) }
        }
    }

    @Test func normalizationIsIdempotent() async {
        await propertyCheck(count: 500, input: NameGen.raw, NameGen.name) { raw, name in
            for s in [raw, name, raw + " " + name] {
                #expect(ArabicText.normalize(ArabicText.normalize(s)) == ArabicText.normalize(s))
            }
        }
    }

    @Test func insertingDiacriticsOrTatweelNeverMovesAName() async {
        await propertyCheck(count: 300, input: NameGen.name.array(of: 2...12), Gen.int(in: 0...1000), Gen.int(in: 0...6)) { names, pick, mark in
            // One name per primary key, so positions are decided by the letters alone.
            var seen = Set<[UInt32]>()
            let distinct = names.filter { seen.insert(CollationKey($0).weights).inserted }
            let target = distinct[pick % distinct.count]
            let before = ArabicText.sorted(distinct).firstIndex(of: target)!
            // Insert the mark after every Arabic letter of the target.
            let marked = String(
                target.flatMap { c -> [Character] in
                    c.unicodeScalars.first.map { (0x0621...0x064A).contains($0.value) } == true ? [c, NameGen.marks[mark]] : [c]
                })
            let replaced = distinct.map { $0 == target ? marked : $0 }
            #expect(ArabicText.sorted(replaced).firstIndex(of: marked) == before)
        }
    }
}
