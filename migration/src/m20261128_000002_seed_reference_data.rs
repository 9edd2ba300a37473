//! Reference data every deployment needs: the 27 top-level administrative units
//! of Ukraine (KATOTTH and ISO 3166-2 codes) and the 12 OECD principles on
//! effective public investment across levels of government.

use sea_orm_migration::prelude::*;

/// Inserts the reference data.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_seed_reference_data"
    }
}

/// KATOTTH code, ISO 3166-2 code, English name, Ukrainian name, occupation status,
/// and the administrative centre as the representative point (degrees × 10⁶).
type Oblast = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
    i64,
);

/// The 27 top-level units: 24 oblasts, the Autonomous Republic of Crimea and the
/// two cities with special status. Occupation status as of the code list's date.
pub const OBLASTS: [Oblast; 27] = [
    (
        "UA01000000000013043",
        "UA-43",
        "Autonomous Republic of Crimea",
        "Автономна Республіка Крим",
        Some("TEMPORARILY_OCCUPIED"),
        44_952_100,
        34_102_400,
    ),
    (
        "UA05000000000010236",
        "UA-05",
        "Vinnytsia Oblast",
        "Вінницька область",
        None,
        49_233_100,
        28_468_200,
    ),
    (
        "UA07000000000024379",
        "UA-07",
        "Volyn Oblast",
        "Волинська область",
        None,
        50_747_200,
        25_325_400,
    ),
    (
        "UA12000000000090473",
        "UA-12",
        "Dnipropetrovsk Oblast",
        "Дніпропетровська область",
        None,
        48_464_700,
        35_046_200,
    ),
    (
        "UA14000000000091971",
        "UA-14",
        "Donetsk Oblast",
        "Донецька область",
        Some("PARTIALLY_OCCUPIED"),
        48_015_900,
        37_802_800,
    ),
    (
        "UA18000000000041385",
        "UA-18",
        "Zhytomyr Oblast",
        "Житомирська область",
        None,
        50_254_700,
        28_658_700,
    ),
    (
        "UA21000000000011690",
        "UA-21",
        "Zakarpattia Oblast",
        "Закарпатська область",
        None,
        48_620_800,
        22_287_900,
    ),
    (
        "UA23000000000064947",
        "UA-23",
        "Zaporizhzhia Oblast",
        "Запорізька область",
        Some("PARTIALLY_OCCUPIED"),
        47_838_800,
        35_139_600,
    ),
    (
        "UA26000000000069363",
        "UA-26",
        "Ivano-Frankivsk Oblast",
        "Івано-Франківська область",
        None,
        48_922_600,
        24_711_100,
    ),
    (
        "UA32000000000030281",
        "UA-32",
        "Kyiv Oblast",
        "Київська область",
        None,
        50_450_100,
        30_523_400,
    ),
    (
        "UA35000000000016081",
        "UA-35",
        "Kirovohrad Oblast",
        "Кіровоградська область",
        None,
        48_507_900,
        32_262_300,
    ),
    (
        "UA44000000000018893",
        "UA-09",
        "Luhansk Oblast",
        "Луганська область",
        Some("PARTIALLY_OCCUPIED"),
        48_574_000,
        39_307_800,
    ),
    (
        "UA46000000000026241",
        "UA-46",
        "Lviv Oblast",
        "Львівська область",
        None,
        49_839_700,
        24_029_700,
    ),
    (
        "UA48000000000039575",
        "UA-48",
        "Mykolaiv Oblast",
        "Миколаївська область",
        None,
        46_975_000,
        31_994_600,
    ),
    (
        "UA51000000000030770",
        "UA-51",
        "Odesa Oblast",
        "Одеська область",
        None,
        46_482_500,
        30_723_300,
    ),
    (
        "UA53000000000028050",
        "UA-53",
        "Poltava Oblast",
        "Полтавська область",
        None,
        49_588_300,
        34_551_400,
    ),
    (
        "UA56000000000066151",
        "UA-56",
        "Rivne Oblast",
        "Рівненська область",
        None,
        50_619_900,
        26_251_600,
    ),
    (
        "UA59000000000057109",
        "UA-59",
        "Sumy Oblast",
        "Сумська область",
        None,
        50_907_700,
        34_798_100,
    ),
    (
        "UA61000000000060328",
        "UA-61",
        "Ternopil Oblast",
        "Тернопільська область",
        None,
        49_553_500,
        25_594_800,
    ),
    (
        "UA63000000000041885",
        "UA-63",
        "Kharkiv Oblast",
        "Харківська область",
        None,
        49_993_500,
        36_230_400,
    ),
    (
        "UA65000000000030969",
        "UA-65",
        "Kherson Oblast",
        "Херсонська область",
        Some("PARTIALLY_OCCUPIED"),
        46_635_400,
        32_616_800,
    ),
    (
        "UA68000000000099709",
        "UA-68",
        "Khmelnytskyi Oblast",
        "Хмельницька область",
        None,
        49_422_900,
        26_987_100,
    ),
    (
        "UA71000000000010357",
        "UA-71",
        "Cherkasy Oblast",
        "Черкаська область",
        None,
        49_444_400,
        32_059_800,
    ),
    (
        "UA73000000000044923",
        "UA-77",
        "Chernivtsi Oblast",
        "Чернівецька область",
        None,
        48_292_100,
        25_935_800,
    ),
    (
        "UA74000000000025378",
        "UA-74",
        "Chernihiv Oblast",
        "Чернігівська область",
        None,
        51_498_200,
        31_289_300,
    ),
    (
        "UA80000000000093317",
        "UA-30",
        "Kyiv",
        "Київ",
        None,
        50_450_100,
        30_523_400,
    ),
    (
        "UA85000000000065278",
        "UA-40",
        "Sevastopol",
        "Севастополь",
        Some("TEMPORARILY_OCCUPIED"),
        44_616_600,
        33_525_400,
    ),
];

/// The three pillars of the OECD Recommendation.
const PILLARS: [&str; 3] = [
    "Co-ordinate public investment across levels of government and policy areas",
    "Strengthen capacities for public investment and promote policy learning across levels of government",
    "Ensure sound framework conditions for public investment at all levels of government",
];

/// Number, pillar and title of the 12 principles.
pub const PRINCIPLES: [(i64, i32, &str); 12] = [
    (
        1,
        1,
        "Invest using an integrated strategy tailored to different places",
    ),
    (
        2,
        1,
        "Adopt effective instruments for co-ordinating across national and sub-national levels of government",
    ),
    (
        3,
        1,
        "Co-ordinate horizontally among sub-national governments to invest at the relevant scale",
    ),
    (
        4,
        2,
        "Assess upfront the long-term impacts and risks of public investment",
    ),
    (
        5,
        2,
        "Encourage stakeholder involvement throughout the investment cycle",
    ),
    (
        6,
        2,
        "Mobilise private actors and financing institutions to diversify sources of funding and strengthen capacities",
    ),
    (
        7,
        2,
        "Reinforce the expertise of public officials and institutions involved in public investment, notably at the sub-national level",
    ),
    (
        8,
        2,
        "Focus on results and promote learning across levels of government",
    ),
    (
        9,
        3,
        "Develop a fiscal framework adapted to the objectives pursued",
    ),
    (
        10,
        3,
        "Require sound and transparent financial management at all levels of government",
    ),
    (
        11,
        3,
        "Promote transparency and strategic use of public procurement at all levels of government",
    ),
    (
        12,
        3,
        "Strive for quality and consistency in regulatory systems across levels of government",
    ),
];

fn c(name: &'static str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let now = chrono::Utc::now();
        let mut oblasts = Query::insert();
        oblasts.into_table(c("territory")).columns([
            c("scheme"),
            c("code"),
            c("iso_code"),
            c("level"),
            c("name_en"),
            c("name_uk"),
            c("path"),
            c("occupation"),
            c("centroid_lat_e6"),
            c("centroid_lon_e6"),
            c("created_at"),
            c("updated_at"),
        ]);
        for (code, iso, en, uk, occupation, lat, lon) in OBLASTS {
            oblasts.values_panic([
                "KATOTTH".into(),
                code.into(),
                iso.into(),
                "OBLAST".into(),
                en.into(),
                uk.into(),
                "".into(),
                occupation.into(),
                lat.into(),
                lon.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(oblasts).await?;
        // Top-level units are their own path roots: "/<id>/".
        manager
            .exec_stmt(
                Query::update()
                    .table(c("territory"))
                    .value(c("path"), Expr::cust("'/' || CAST(id AS TEXT) || '/'"))
                    .and_where(Expr::col(c("parent_id")).is_null())
                    .to_owned(),
            )
            .await?;

        let mut principles = Query::insert();
        principles.into_table(c("oecd_principle")).columns([
            c("id"),
            c("pillar"),
            c("pillar_title"),
            c("title"),
            c("created_at"),
            c("updated_at"),
        ]);
        for (number, pillar, title) in PRINCIPLES {
            let pillar_title = PILLARS[(pillar - 1) as usize];
            principles.values_panic([
                number.into(),
                pillar.into(),
                pillar_title.into(),
                title.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(principles).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(Query::delete().from_table(c("oecd_principle")).to_owned())
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(c("territory"))
                    .and_where(Expr::col(c("level")).eq("OBLAST"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
